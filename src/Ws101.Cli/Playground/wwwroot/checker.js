// Panel 2: the handshake checker. Sends the pasted text to POST /api/diagnose and shows the transcript
// line by line, each problem beside the line it concerns.
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
};

/** The API's limit on the request body (PlaygroundApi.MaxBodyBytes). */
const MAX_BODY_BYTES = 48 * 1024;

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

  async function check() {
    const transcript = textarea.value;
    if (transcript.trim().length === 0) {
      setStatus('Paste a request, a response, or both first.', 'bad');
      result.replaceChildren();
      textarea.focus();
      return;
    }
    const bytes = utf8.encode(JSON.stringify({ transcript })).length;
    if (bytes > MAX_BODY_BYTES) {
      setStatus(`The text is too long to check: ${bytes} bytes as JSON, the limit is ${MAX_BODY_BYTES}. A handshake is a few hundred bytes; paste only its head lines.`, 'bad');
      return;
    }
    const mine = ++generation;
    setStatus('Checking…');
    submit.disabled = true;
    try {
      const { status: code, body } = await postJson('/api/diagnose', { transcript });
      if (mine !== generation) return;
      if (code !== 200) {
        setStatus(`The server refused the check (${code}): ${body.error}`, 'bad');
        result.replaceChildren();
        return;
      }
      render(body);
    } catch (error) {
      if (mine !== generation) return;
      setStatus(`The check failed: ${error.name === 'AbortError' ? 'no answer within 15 s' : error.message}`, 'bad');
    } finally {
      if (mine === generation) submit.disabled = false;
    }
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
  onCtrlEnter(textarea, check);
  for (const button of form.querySelectorAll('button.example')) {
    button.addEventListener('click', () => {
      textarea.value = EXAMPLES[button.dataset.example];
      check();
    });
  }
}
