// Panel 2: the handshake checker. Sends the pasted text to POST /api/diagnose and shows the transcript
// line by line, each problem beside the line it concerns. Browser console errors go the same way; a HAR file
// (dropped, opened or pasted) is reduced here to its WebSocket entries, without bodies, payloads or secrets,
// and sent as a HAR to the same API, which answers with one verdict per upgrade.
import { el, postJson, onCtrlEnter, utf8 } from './common.js';

const REQUEST = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Origin: http://example.com',
  'Sec-WebSocket-Version: 13',
];
const response = accept => [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Accept: ${accept}`,
];

/** Examples to start from. The SHA-256 accept is base64(SHA-256(key + GUID)) of the RFC example key. */
const EXAMPLES = {
  valid: [...REQUEST, '', ...response('s3pPLMBiTxaQ9kYGzzhZRbK+xOo='), ''].join('\r\n'),
  sha256: [...REQUEST, '', ...response('c8qeCxwB8sJPxkSckeL76bKL7f642+KYzDiR7EbKyTY='), ''].join('\r\n'),
  curl: [
    '*   Trying 127.0.0.1:8080...',
    '* Connected to 127.0.0.1 (127.0.0.1) port 8080',
    '> GET /echo HTTP/1.1',
    '> Host: 127.0.0.1:8080',
    '> Connection: Upgrade',
    '> Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    '> Sec-WebSocket-Version: 13',
    '>',
    '< HTTP/1.1 400 Bad Request',
    '< Content-Type: text/plain',
    '< Content-Length: 42',
    '<',
  ].join('\n'),
  whitespace: REQUEST.map(l => l.startsWith('Sec-WebSocket-Key') ? 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j ZQ==' : l).join('\r\n') + '\r\n\r\n',
  console: "WebSocket connection to 'ws://127.0.0.1:8080/chat' failed: Error during WebSocket handshake: Unexpected response code: 200",
};

/** The API's limit on the request body (PlaygroundApi.MaxBodyBytes), and on a HAR's (PlaygroundApi.MaxHarBodyBytes). */
const MAX_BODY_BYTES = 48 * 1024;
const MAX_HAR_BODY_BYTES = 512 * 1024;

/** Headers whose values never leave the page: the server sees only their length (as it would print it). */
const SECRET_HEADERS = new Set(['cookie', 'set-cookie', 'authorization', 'proxy-authorization']);

/** The marker JsonStringClipper writes for a string it shortened; the server reads the whole length from it. */
const CLIPPED = '\u0000ws101-clipped:';

/** True when a HAR entry's request is a WebSocket upgrade: the same rule as the server's (HarDiagnosis.IsWebSocketUpgrade). */
function isUpgrade(entry) {
  const request = entry && entry.request;
  if (!request) return false;
  for (const { name = '', value = '' } of request.headers || []) {
    const n = String(name).toLowerCase();
    if ((n === 'upgrade' && /(^|,)\s*websocket\s*(,|$)/i.test(value)) || n.startsWith('sec-websocket-') || (n === ':protocol' && /^websocket$/i.test(value))) return true;
  }
  return /^wss?:\/\//i.test(request.url || '');
}

/** Replaces a secret header's value with as many x's (an Authorization keeps its scheme, such as Bearer). */
function maskValue(name, value) {
  const text = String(value ?? '');
  const space = text.indexOf(' ');
  const keep = name.endsWith('authorization') && space > 0 ? space + 1 : 0;
  return text.slice(0, keep) + 'x'.repeat(text.length - keep);
}

const mask = headers => (headers || []).map(({ name, value }) =>
  ({ name, value: SECRET_HEADERS.has(String(name).toLowerCase()) ? maskValue(String(name).toLowerCase(), value) : value }));

/** A frame's payload as the server's reader would keep it: short ones whole, long ones as their length only. */
function frameData(m) {
  if (typeof m.data !== 'string' || m.type === 'error' || m.data.length <= 256) return m.data;
  return CLIPPED + (m.opcode === 2 ? m.data.length : utf8.encode(m.data).length);
}

/** The HAR with only what the diagnosis reads; other entries become {} so that the entry numbers stay the file's. */
function reduceHar(har) {
  const entries = har.log.entries.map(e => {
    if (!isUpgrade(e)) return {};
    const response = e.response || {};
    const content = response.content || {};
    return {
      startedDateTime: e.startedDateTime,
      _resourceType: e._resourceType,
      request: { method: e.request.method, url: e.request.url, httpVersion: e.request.httpVersion, headers: mask(e.request.headers) },
      response: {
        status: response.status, statusText: response.statusText, httpVersion: response.httpVersion, headers: mask(response.headers),
        content: { mimeType: content.mimeType, encoding: content.encoding, text: content.encoding === 'base64' || typeof content.text !== 'string' ? undefined : content.text.slice(0, 200) },
        _error: response._error, _failureText: response._failureText,
      },
      _webSocketMessages: Array.isArray(e._webSocketMessages)
        ? e._webSocketMessages.map(m => ({ type: m.type, time: m.time, opcode: m.opcode, data: frameData(m) })) : undefined,
    };
  });
  return { log: { version: har.log.version, creator: har.log.creator, browser: har.log.browser, entries } };
}

const looksLikeJson = text => /^\s*\{/.test(text.replace(/^\uFEFF/, ''));

function bytes(n) {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function frames(m) {
  const parts = [`${m.sent} sent (${bytes(m.sentBytes)}), ${m.received} received (${bytes(m.receivedBytes)})`];
  parts.push(m.close ? `close ${m.close.code}${m.close.reason ? ` "${m.close.reason}"` : ''} from the ${m.close.by}` : 'no close frame recorded');
  if (m.errors.length) parts.push(`error: ${m.errors[m.errors.length - 1]}`);
  if (m.lastFrame) parts.push(`last frame ${m.lastFrame}`);
  return parts.join(', ');
}

export function initChecker() {
  const form = document.getElementById('check-form');
  const textarea = document.getElementById('check-transcript');
  const status = document.getElementById('check-status');
  const result = document.getElementById('check-result');
  const submit = document.getElementById('check-submit');
  let generation = 0;

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = `status ${kind || ''}`;
  }

  /** A HAR opened or dropped: kept here, not in the text box, however large it is. */
  let harFile = null;

  async function check() {
    const text = harFile ? harFile.text : textarea.value;
    if (text.trim().length === 0) {
      setStatus('Paste a request, a response, both, or a console error first, or open a HAR file.', 'bad');
      result.replaceChildren();
      textarea.focus();
      return;
    }
    let body;
    if (looksLikeJson(text)) {
      let har;
      try {
        har = JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch (error) {
        setStatus(`This is not valid JSON, so not a HAR: ${error.message}`, 'bad');
        return;
      }
      if (!har || !har.log || !Array.isArray(har.log.entries)) {
        setStatus('This JSON has no log.entries, so it is not a HAR (HTTP Archive) file.', 'bad');
        return;
      }
      body = reduceHar(har);
      const size = utf8.encode(JSON.stringify(body)).length;
      if (size > MAX_HAR_BODY_BYTES) {
        setStatus(`Even reduced to its WebSocket entries, this HAR is too large to check here (${bytes(size)}, the limit is ${bytes(MAX_HAR_BODY_BYTES)}). Run ws101 diagnose on the file.`, 'bad');
        return;
      }
    } else {
      body = { transcript: text };
      const size = utf8.encode(JSON.stringify(body)).length;
      if (size > MAX_BODY_BYTES) {
        setStatus(`The text is too long to check: ${size} bytes as JSON, the limit is ${MAX_BODY_BYTES}. A handshake is a few hundred bytes; paste only its head lines.`, 'bad');
        return;
      }
    }
    const mine = ++generation;
    setStatus('Checking…');
    submit.disabled = true;
    try {
      const { status: code, body: report } = await postJson('/api/diagnose', body);
      if (mine !== generation) return;
      if (code !== 200) {
        setStatus(`The server refused the check (${code}): ${report.error}`, 'bad');
        result.replaceChildren();
        return;
      }
      if (report.kind === 'har') renderHar(report);
      else if (report.kind === 'console') renderConsole(report);
      else render(report);
    } catch (error) {
      if (mine !== generation) return;
      setStatus(`The check failed: ${error.name === 'AbortError' ? 'no answer within 15 s' : error.message}`, 'bad');
    } finally {
      if (mine === generation) submit.disabled = false;
    }
  }

  async function open(file) {
    const text = await file.text();
    if (looksLikeJson(text)) {
      harFile = { name: file.name, text };
      textarea.value = '';
      textarea.placeholder = `HAR file ${file.name} (${bytes(file.size)}), opened: press Check, or type here to check text instead.`;
    } else {
      harFile = null;
      textarea.value = text;
    }
    check();
  }

  function renderHar(report) {
    const failed = report.failed;
    result.dataset.valid = String(report.valid);
    const what = `${report.webSockets} WebSocket upgrade${report.webSockets === 1 ? '' : 's'} among ${report.entries} entries`;
    if (report.webSockets === 0) setStatus(`No WebSocket upgrade among the ${report.entries} entries of the HAR.`, 'bad');
    else if (report.valid) setStatus(`Valid: ${what}, none failed.`, 'ok');
    else setStatus(`${failed} failed: ${what}.`, 'bad');
    const summary = el('div', { class: `summary ${report.valid ? 'ok' : 'bad'}` },
      el('p', {}, el('strong', { text: report.valid ? '✓ Every WebSocket upgrade in the HAR is valid.' : `✗ ${failed} of ${report.webSockets} upgrades failed.` })),
      el('p', { text: `Recorded by ${report.recordedBy}.` }));
    const rows = report.upgrades.map(u => el('tr', { 'data-index': u.index },
      el('td', { class: 'num-col', text: `#${u.index}` }),
      el('td', { class: 'url', text: u.url }),
      el('td', { text: u.httpVersion }),
      el('td', { text: u.status ?? '–' }),
      el('td', { class: `verdict ${u.valid ? 'ok' : 'bad'}`, text: u.summary }),
      el('td', { text: u.messages ? frames(u.messages) : '' })));
    const table = el('div', { class: 'table-scroll verdicts' }, el('table', {},
      el('thead', {}, el('tr', {}, ['#', 'URL', 'HTTP', 'Status', 'Verdict', 'Frames'].map(h => el('th', { text: h })))),
      el('tbody', {}, rows)));
    const details = report.upgrades.filter(u => !u.valid).map(renderUpgrade);
    result.replaceChildren(summary, table, ...details);
  }

  function renderUpgrade(u) {
    const inHeads = u.problems.filter(p => p.code !== 'protocol-violation');
    const box = el('section', { class: 'upgrade', 'data-index': u.index },
      el('h4', { text: `#${u.index} ${u.url}` }),
      u.browserError ? el('p', { class: 'said' }, el('strong', { text: `${u.browserError.browser} said: ` }), el('q', { text: u.browserError.message })) : null,
      u.browserError ? el('p', { text: u.browserError.saw }) : null);
    if (u.request) box.append(renderPart('request', u.request, inHeads.filter(p => p.part === 'request')));
    if (u.response) box.append(renderPart('response', u.response, inHeads.filter(p => p.part === 'response')));
    else box.append(el('p', { class: 'help', text: 'Response: none recorded.' }));
    if (u.messages) box.append(el('p', { class: 'help', text: `Frames: ${frames(u.messages)}` }));
    // Problems the heads on show cannot hold: after the handshake, or with no response recorded.
    for (const p of u.problems.filter(p => !inHeads.includes(p) || (p.part === 'response' && !u.response))) box.append(renderProblem(p));
    if (u.notes.length) box.append(el('ul', { class: 'notes' }, u.notes.map(n => el('li', { text: n }))));
    box.append(el('p', { class: 'next' }, 'Next: run ', el('code', { text: `ws101 probe ${u.probeUrl}` }), ' to see the whole handshake and its cause.'));
    if (u.masked.length) box.append(el('p', { class: 'help', text: `Masked: the values of ${u.masked.join(', ')}.` }));
    return box;
  }

  function renderConsole(report) {
    result.dataset.valid = 'false';
    const named = report.errors.filter(e => e.problem).length;
    setStatus(`${report.errors.length} browser error${report.errors.length === 1 ? '' : 's'}${named ? `, ${named} with a known cause` : ''}.`, 'bad');
    result.replaceChildren(...report.errors.map(e => el('section', { class: 'upgrade console-error' },
      el('h4', { text: `${e.browser} console error${e.url ? `: ${e.url}` : ''}` }),
      el('p', { class: 'said' }, el('strong', { text: 'Message: ' }), el('q', { text: e.message })),
      el('p', {}, el('strong', { text: 'What the browser saw: ' }), e.saw),
      e.problem ? renderProblem(e.problem) : null,
      el('p', { class: 'next', text: `Next: ${e.next.replace(/`/g, '')}` }))));
  }

  function render(report) {
    const count = report.problems.length;
    result.dataset.valid = String(report.valid);
    if (report.kind === 'nothing') {
      setStatus('No handshake found in the text.', 'bad');
    } else if (report.valid) {
      setStatus(`Valid: no problem in the ${report.kind}.`, 'ok');
    } else {
      setStatus(`${count} problem${count === 1 ? '' : 's'} in the ${report.kind}.`, 'bad');
    }
    const summary = el('div', { class: `summary ${report.valid ? 'ok' : 'bad'}` },
      el('p', {}, el('strong', { text: report.valid ? '✓ The handshake is valid.' : report.kind === 'nothing' ? 'Nothing to check.' : `✗ ${count} problem${count === 1 ? '' : 's'}.` })),
      report.expectedAccept ? el('p', {}, 'The key calls for ', el('code', { text: `Sec-WebSocket-Accept: ${report.expectedAccept}` })) : null,
      report.subprotocol ? el('p', {}, 'Subprotocol: ', el('code', { text: report.subprotocol })) : null,
      report.extensions.length ? el('p', {}, 'Extensions: ', el('code', { text: report.extensions.join(', ') })) : null);
    const notes = report.notes.length ? el('ul', { class: 'notes' }, report.notes.map(n => el('li', { text: n }))) : null;
    const parts = [];
    for (const part of ['request', 'response']) {
      if (report[part] !== null) {
        parts.push(renderPart(part, report[part], report.problems.filter(p => p.part === part)));
      }
    }
    result.replaceChildren(summary, ...(notes ? [notes] : []), ...parts);
  }

  function renderPart(part, text, problems) {
    const lines = text.replace(/\r\n/g, '\n').split('\n');
    // The head ends with an empty line; drop the trailing ones, but keep a line a problem points at.
    const lastProblemLine = Math.max(0, ...problems.map(p => p.line || 0));
    while (lines.length > lastProblemLine && lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const box = el('div', { class: 'lines', 'data-part': part },
      el('h4', { text: part === 'request' ? 'Request' : 'Response' }));
    const unplaced = problems.filter(p => !p.line || p.line > lines.length);
    for (const p of unplaced) box.append(renderProblem(p));
    lines.forEach((line, index) => {
      const number = index + 1;
      const here = problems.filter(p => p.line === number);
      box.append(el('div', { class: `line${here.length ? ' has-problem' : ''}`, 'data-line': number },
        el('span', { class: 'ln', text: number }),
        el('span', { class: 'text', text: line === '' ? ' ' : line })));
      for (const p of here) box.append(renderProblem(p));
    });
    return box;
  }

  function renderProblem(p) {
    const facts = [];
    if (p.expected !== null) facts.push(el('dt', { text: 'Expected' }), el('dd', { text: p.expected }));
    if (p.actual !== null) facts.push(el('dt', { text: 'Received' }), el('dd', { text: p.actual }));
    if (p.cause !== null) facts.push(el('dt', { text: 'Likely cause' }), el('dd', { text: p.cause }));
    if (p.evidence !== null) facts.push(el('dt', { text: 'Evidence' }), el('dd', { text: p.evidence }));
    return el('div', { class: 'problem', 'data-code': p.code, role: 'note' },
      el('h5', { text: p.title }),
      el('p', { class: 'meta' }, el('span', { class: 'badge', text: p.code }), ' · ', p.rule,
        p.line ? ` · ${p.part} line ${p.line}` : ` · ${p.part}`),
      p.explanation ? el('p', { text: p.explanation }) : null,
      facts.length ? el('dl', {}, facts) : null,
      p.fix ? el('p', { class: 'fix' }, el('strong', { text: 'Fix: ' }), p.fix) : null);
  }

  form.addEventListener('submit', event => { event.preventDefault(); check(); });
  textarea.addEventListener('input', () => { harFile = null; });
  document.getElementById('check-file').addEventListener('change', event => {
    if (event.target.files.length) open(event.target.files[0]);
    event.target.value = '';
  });
  textarea.addEventListener('dragover', event => { event.preventDefault(); textarea.classList.add('dropping'); });
  textarea.addEventListener('dragleave', () => textarea.classList.remove('dropping'));
  textarea.addEventListener('drop', event => {
    textarea.classList.remove('dropping');
    if (event.dataTransfer && event.dataTransfer.files.length) {
      event.preventDefault();
      open(event.dataTransfer.files[0]);
    }
  });
  onCtrlEnter(textarea, check);
  for (const button of form.querySelectorAll('button.example')) {
    button.addEventListener('click', () => {
      harFile = null;
      textarea.value = EXAMPLES[button.dataset.example];
      check();
    });
  }
}
