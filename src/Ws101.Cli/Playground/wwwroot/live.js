// Panel 3: a live connection from this page's own WebSocket, with a frame log and the close outcome.
import { el, utf8, toHex, clock } from './common.js';

const CLOSE_MEANINGS = {
  1000: 'Normal closure.',
  1001: 'Going away: the server is stopping or the page is leaving.',
  1002: 'Protocol error.',
  1003: 'Unsupported data.',
  1005: 'No status code was sent in the close frame.',
  1006: 'Abnormal closure: the connection dropped without a close handshake (or the opening handshake failed). The browser never shows why; check the server, or paste the handshake into the checker.',
  1007: 'Invalid payload data (for example text that is not UTF-8).',
  1008: 'Policy violation.',
  1009: 'Message too big.',
  1010: 'The client expected an extension the server did not accept.',
  1011: 'The server hit an unexpected condition.',
  1012: 'Service restart.',
  1013: 'Try again later.',
  1015: 'The TLS handshake failed.',
};

function meaningOf(code) {
  if (CLOSE_MEANINGS[code]) return CLOSE_MEANINGS[code];
  if (code >= 3000 && code <= 3999) return 'Registered for libraries and frameworks (IANA).';
  if (code >= 4000 && code <= 4999) return 'Private use: its meaning is agreed by the application.';
  return 'Not a code defined by RFC 6455.';
}

export function initLive() {
  const $ = id => document.getElementById(id);
  const urlInput = $('live-url');
  const openButton = $('live-open');
  const disconnect = $('live-disconnect');
  const stateBox = $('live-state');
  const stateText = $('live-state-text');
  const handshake = $('live-handshake');
  const sendForm = $('live-send');
  const message = $('live-message');
  const messageLabel = $('live-message-label');
  const sendButton = $('live-send-button');
  const sendError = $('live-send-error');
  const closeForm = $('live-close');
  const closeButton = $('live-close-button');
  const closeError = $('live-close-error');
  const code = $('live-close-code');
  const reason = $('live-close-reason');
  const outcome = $('live-outcome');
  const logBody = document.querySelector('#live-log tbody');
  const logEmpty = $('live-log-empty');
  const defaultHandshakeText = handshake.textContent;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  urlInput.value = `${scheme}://${location.host}/echo?transcript=1`;

  let ws = null;
  let firstMessage = true;
  let wantsTranscript = false;
  let openedAt = 0;
  let sentClose = null;

  function setState(kind, text, clean = false) {
    stateBox.className = `status ${kind}${clean ? ' clean' : ''}`;
    stateBox.dataset.state = kind;
    stateText.textContent = text;
    const open = kind === 'open';
    sendButton.disabled = !open;
    closeButton.disabled = !open;
    disconnect.disabled = !(open || kind === 'connecting');
    openButton.disabled = open || kind === 'connecting';
  }

  function log(direction, type, size, data) {
    logEmpty.hidden = true;
    const row = el('tr', { class: direction === '↑' ? 'out' : direction === '↓' ? 'in' : 'event', 'data-type': type },
      el('td', { class: 'time', text: clock() }),
      el('td', { class: 'dir', text: direction === '↑' ? '↑ out' : direction === '↓' ? '↓ in' : '•' }),
      el('td', { class: 'type', text: type }),
      el('td', { class: 'size', text: size === null ? '' : size }),
      el('td', { class: 'data', text: data }));
    logBody.append(row);
    const scroller = logBody.closest('.table-scroll');
    scroller.scrollTop = scroller.scrollHeight;
  }

  function preview(text, limit = 300) {
    return text.length > limit ? `${text.slice(0, limit)}… (${text.length} characters)` : text;
  }

  function previewBytes(bytes, limit = 48) {
    const hex = toHex(bytes.subarray(0, limit), ' ');
    return bytes.length > limit ? `${hex} … (${bytes.length} bytes)` : hex || '(empty)';
  }

  function showHandshake(text) {
    handshake.classList.remove('empty');
    const split = text.indexOf('\r\n\r\n');
    const request = text.slice(0, split).split('\r\n');
    const response = text.slice(split + 4).replace(/(\r\n)+$/, '').split('\r\n');
    // Which HTTP version carried the upgrade: an HTTP/2 handshake (RFC 8441) is a CONNECT stream answered by :status 200.
    const http2 = request[0].startsWith(':method: ');
    const lines = list => list.flatMap((line, i) => [
      /^HTTP\/1\.1 101|^:status: 200$/.test(line) ? el('span', { class: 'status-101' }, line) : line,
      i < list.length - 1 ? '\n' : '',
    ]);
    handshake.replaceChildren(
      el('span', { class: 'part-label' }, http2
        ? 'Over HTTP/2: an extended CONNECT on a stream of the page\'s connection (RFC 8441). Request, as the server read it'
        : 'Over HTTP/1.1: an upgraded connection of its own (RFC 6455). Request, as the server read it'),
      el('span', { class: 'part-text' }, lines(request)),
      el('span', { class: 'part-label' }, 'Response, as the server answered'),
      el('span', { class: 'part-text' }, lines(response)));
    handshake.dataset.transcript = 'true';
    handshake.dataset.httpVersion = http2 ? '2' : '1.1';
  }

  function isTranscript(data) {
    return typeof data === 'string'
      && ((/^GET [^\r\n]+ HTTP\/1\.1\r\n/.test(data) && /\r\n\r\nHTTP\/1\.1 \d{3}/.test(data))
        || (/^:method: CONNECT\r\n/.test(data) && /\r\n\r\n:status: \d{3}/.test(data)));
  }

  function connect() {
    if (ws) return;
    let url;
    try {
      url = new URL(urlInput.value.trim());
      if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error('The URL must start with ws:// or wss://.');
    } catch (error) {
      setState('closed', error instanceof TypeError ? 'That is not a URL: type ws://host:port/path.' : error.message);
      urlInput.focus();
      return;
    }
    outcome.hidden = true;
    handshake.textContent = 'Waiting for the handshake…';
    handshake.classList.add('empty');
    delete handshake.dataset.transcript;
    delete handshake.dataset.httpVersion;
    firstMessage = true;
    sentClose = null;
    wantsTranscript = url.searchParams.get('transcript') === '1';
    try {
      ws = new WebSocket(url.href);
    } catch (error) {
      setState('closed', `The browser refused the URL: ${error.message}`);
      return;
    }
    ws.binaryType = 'arraybuffer';
    openedAt = performance.now();
    setState('connecting', `Connecting to ${url.href}…`);
    log('•', 'connect', null, url.href);
    const socket = ws;
    socket.addEventListener('open', () => {
      const ms = Math.round(performance.now() - openedAt);
      const extras = [socket.protocol && `subprotocol ${socket.protocol}`, socket.extensions && `extensions ${socket.extensions}`].filter(Boolean).join(', ');
      setState('open', `Open: ${socket.url} (${ms} ms${extras ? `, ${extras}` : ''}).`);
      log('•', 'open', null, `handshake done in ${ms} ms${extras ? `; ${extras}` : ''}`);
      if (!wantsTranscript) {
        handshake.textContent = 'Open. The browser does not show a page its handshake; this server\'s /echo?transcript=1 sends it as the first message.';
      }
      message.focus();
    });
    socket.addEventListener('message', event => {
      if (typeof event.data === 'string') {
        const size = utf8.encode(event.data).length;
        if (firstMessage && wantsTranscript && isTranscript(event.data)) {
          showHandshake(event.data);
          log('↓', 'text', size, '(the handshake transcript, shown above)');
        } else {
          log('↓', 'text', size, preview(event.data));
        }
      } else {
        const bytes = new Uint8Array(event.data);
        log('↓', 'binary', bytes.length, previewBytes(bytes));
      }
      firstMessage = false;
    });
    socket.addEventListener('error', () => {
      log('•', 'error', null, 'The browser reports an error (it never says which: see the close code).');
    });
    socket.addEventListener('close', event => {
      if (ws === socket) ws = null;
      $('live-outcome-sent').textContent = sentClose ?? '(no close frame: the server closed first, or the connection dropped)';
      $('live-outcome-code').textContent = String(event.code);
      $('live-outcome-reason').textContent = event.reason === '' ? '(none)' : event.reason;
      $('live-outcome-clean').textContent = String(event.wasClean);
      $('live-outcome-meaning').textContent = meaningOf(event.code);
      outcome.hidden = false;
      outcome.dataset.code = String(event.code);
      log('•', 'close', null, `code ${event.code}${event.reason ? `, reason "${event.reason}"` : ''}, wasClean ${event.wasClean}`);
      setState('closed', `Closed: ${event.code}${event.reason ? ` "${event.reason}"` : ''}, ${event.wasClean ? 'cleanly' : 'not cleanly'}.`, event.wasClean);
      if (handshake.classList.contains('empty') && handshake.textContent.startsWith('Waiting')) {
        handshake.textContent = 'No handshake: the connection did not open. Check the URL and the server; paste the server\'s answer into the checker.';
      }
    });
  }

  function parseHex(text) {
    const digits = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
    if (!/^[0-9a-fA-F]*$/.test(digits)) throw new Error('Hex takes 0-9 and a-f (spaces, commas and colons are ignored).');
    if (digits.length % 2) throw new Error('Hex needs an even number of digits: two per byte.');
    return new Uint8Array(digits.match(/../g)?.map(h => parseInt(h, 16)) ?? []);
  }

  function kind() {
    return sendForm.querySelector('input[name="kind"]:checked').value;
  }

  function onKindChange() {
    const k = kind();
    sendError.textContent = '';
    if (k === 'text') {
      messageLabel.textContent = 'Text';
      message.inputMode = 'text';
      if (/^\d+$/.test(message.value) || /^[0-9a-f ]+$/i.test(message.value)) message.value = 'Hello, WebSocket!';
    } else if (k === 'hex') {
      messageLabel.textContent = 'Bytes in hex';
      message.inputMode = 'text';
      message.value = '01 02 03 fe ff';
    } else {
      messageLabel.textContent = 'Number of random bytes';
      message.inputMode = 'numeric';
      message.value = '1024';
    }
  }

  function send() {
    sendError.textContent = '';
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      sendError.textContent = 'Connect first.';
      return;
    }
    try {
      const k = kind();
      if (k === 'text') {
        ws.send(message.value);
        log('↑', 'text', utf8.encode(message.value).length, preview(message.value));
      } else {
        let bytes;
        if (k === 'hex') {
          bytes = parseHex(message.value);
        } else {
          const n = Number(message.value);
          if (!Number.isInteger(n) || n < 0 || n > 16 * 1024 * 1024) throw new Error('Give a whole number of bytes from 0 to 16777216.');
          bytes = new Uint8Array(n);
          for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65536)));
        }
        ws.send(bytes);
        log('↑', 'binary', bytes.length, previewBytes(bytes));
      }
    } catch (error) {
      sendError.textContent = error.message;
    }
  }

  function close() {
    closeError.textContent = '';
    if (!ws) return;
    const c = Number(code.value);
    if (!(c === 1000 || (Number.isInteger(c) && c >= 3000 && c <= 4999))) {
      closeError.textContent = `A page may close only with 1000 or 3000–4999 (browsers refuse ${code.value || 'an empty code'}).`;
      code.focus();
      return;
    }
    const bytes = utf8.encode(reason.value).length;
    if (bytes > 123) {
      closeError.textContent = `The reason is ${bytes} bytes of UTF-8; a close frame leaves room for 123.`;
      reason.focus();
      return;
    }
    ws.close(c, reason.value);
    sentClose = `${c}${reason.value ? ` "${reason.value}"` : ''}`;
    log('↑', 'close', 2 + bytes, `code ${c}${reason.value ? `, reason "${reason.value}"` : ''}`);
    setState('connecting', 'Closing: waiting for the server\'s close frame…');
    disconnect.disabled = true;
  }

  $('live-connect').addEventListener('submit', event => { event.preventDefault(); connect(); });
  disconnect.addEventListener('click', () => {
    if (!ws) return;
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.close();
    } else {
      code.value = '1000';
      close();
    }
  });
  for (const button of document.querySelectorAll('#live-connect button[data-path]')) {
    button.addEventListener('click', () => {
      urlInput.value = `${scheme}://${location.host}${button.dataset.path}`;
      urlInput.focus();
    });
  }
  for (const radio of sendForm.querySelectorAll('input[name="kind"]')) radio.addEventListener('change', onKindChange);
  sendForm.addEventListener('submit', event => { event.preventDefault(); send(); });
  closeForm.addEventListener('submit', event => { event.preventDefault(); close(); });
  $('live-clear').addEventListener('click', () => { logBody.replaceChildren(); logEmpty.hidden = false; });
  handshake.textContent = defaultHandshakeText;
  handshake.classList.add('empty');
  setState('idle', 'Not connected.');
}
