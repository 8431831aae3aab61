// Panel 1: the accept calculator. Hashes in the browser with crypto.subtle (a secure context: https, or
// http on 127.0.0.1/localhost); elsewhere it asks the server (POST /api/accept).
import { el, postJson, utf8, toHex, toBase64 } from './common.js';

export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const RFC_EXAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

const hasSubtle = typeof crypto !== 'undefined' && crypto.subtle && typeof crypto.subtle.digest === 'function';

/** The accept steps for key, computed here or by the server. */
async function computeSteps(key) {
  if (hasSubtle) {
    const concatenated = key + GUID;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', utf8.encode(concatenated)));
    return { concatenated, sha1Hex: toHex(digest), accept: toBase64(digest) };
  }
  const { status, body } = await postJson('/api/accept', { key });
  if (status !== 200) throw new Error(body.error || `HTTP ${status}`);
  return body;
}

/** Every common mistake in a key, each { title, text }; an empty list for a good key. */
export function checkKey(key) {
  const found = [];
  if (key.length === 0) return found;
  const lead = key.length - key.trimStart().length;
  const trail = key.length - key.trimEnd().length;
  if (lead || trail) {
    const where = lead && trail ? 'at both ends' : lead ? 'at the start' : 'at the end';
    found.push({
      title: `Whitespace ${where}`,
      text: `The key has ${lead + trail} whitespace character(s) ${where}. HTTP drops whitespace around a header value, so the key on the wire has none; ` +
        'code that hashes the key with it (a stray newline from a copy, a space after the colon kept in the value) computes a different accept, and the client rejects it. ' +
        'Trim the value before hashing.',
      fix: 'trim',
    });
  }
  const core = key.trim();
  if (/\s/.test(core)) {
    found.push({ title: 'Whitespace inside the key', text: 'Base64 has no spaces or line breaks. The key was probably wrapped or split when it was copied.' });
  }
  if (/[-_]/.test(core)) {
    found.push({
      title: 'base64url characters',
      text: `The key holds ${[...new Set(core.match(/[-_]/g))].map(c => `'${c}'`).join(' and ')}: those belong to base64url (RFC 4648 §5). ` +
        "A key uses the standard base64 alphabet, with '+' and '/' (RFC 4648 §4). Replace '-' with '+' and '_' with '/'.",
    });
  }
  if (/[^\x00-\x7f]/.test(core)) {
    found.push({ title: 'Characters outside ASCII', text: 'A header value is ASCII; this key holds other characters (curly quotes or a look-alike letter from a copy?). The hash here uses their UTF-8 bytes; a server may refuse the key outright.' });
  } else if (/[^A-Za-z0-9+/=\s\-_]/.test(core)) {
    const bad = [...new Set(core.match(/[^A-Za-z0-9+/=\s\-_]/g))].map(c => `'${c}'`).join(', ');
    found.push({ title: 'Not base64', text: `The key holds ${bad}, which no base64 alphabet has. Was it quoted, or copied with part of the header line?` });
  }
  const compact = core.replace(/\s/g, '');
  const data = compact.replace(/=+$/, '');
  const padding = compact.length - data.length;
  if (/=/.test(data)) {
    found.push({ title: "Misplaced '='", text: "'=' is padding and may only end the key." });
  } else if (data.length % 4 === 1) {
    found.push({ title: 'Not valid base64', text: `The key has ${data.length} data characters; no base64 text has a length of 4n+1.` });
  } else {
    const bytes = Math.floor(data.length * 3 / 4);
    if (padding === 0 && data.length % 4 !== 0) {
      found.push({
        title: 'Padding missing',
        text: `Base64 text is a multiple of 4 characters; this key has ${data.length} without '=' padding. ` +
          (bytes === 16 ? "16 bytes in base64 end with '=='; the padding was stripped, as base64url encoders often do. Add '=='." : 'The padding was stripped.'),
      });
    }
    if (bytes !== 16) {
      found.push({
        title: `Decodes to ${bytes} byte${bytes === 1 ? '' : 's'}, not 16`,
        text: `RFC 6455 §4.1: the key is a random 16-byte value in base64, which is 24 characters ending in '=='. This one decodes to ${bytes} byte${bytes === 1 ? '' : 's'}` +
          (bytes === 20 ? ' (the size of a SHA-1 digest: is it an accept value rather than a key?)' : bytes === 32 ? ' (the size of a SHA-256 digest)' : '') +
          '. A server checks the length and answers 400.',
      });
    }
  }
  return found;
}

export function initCalculator() {
  const input = document.getElementById('calc-key');
  const warnings = document.getElementById('calc-warnings');
  const concat = document.getElementById('calc-concat');
  const sha1 = document.getElementById('calc-sha1');
  const accept = document.getElementById('calc-accept');
  const engine = document.getElementById('calc-engine');
  engine.textContent = hasSubtle
    ? 'Computed in this browser with crypto.subtle.'
    : 'This page is not a secure context, so crypto.subtle is missing: the steps are computed by the server (POST /api/accept).';
  let generation = 0;

  function showWarnings(key) {
    const found = checkKey(key);
    warnings.replaceChildren(...found.map(w => el('div', { class: 'warning', 'data-warning': w.title },
      el('p', {}, el('strong', { text: w.title })),
      el('p', { text: w.text }),
      w.fix === 'trim' ? el('p', {}, el('button', { type: 'button', class: 'small-button', 'data-action': 'trim' }, 'Trim the key')) : null)));
    if (key.length > 0 && found.length === 0) {
      warnings.append(el('div', { class: 'ok-note' }, el('p', {}, el('strong', { text: 'A well-formed key' }), ': 16 bytes in base64.')));
    }
  }

  function showConcat(key) {
    // Show the key with its whitespace marked, then the GUID in its own colour.
    const parts = key.split(/(\s+)/).filter(Boolean).map(part => /^\s+$/.test(part)
      ? el('span', { class: 'ws', title: 'whitespace' }, part.replace(/ /g, '·').replace(/\t/g, '→').replace(/\r?\n/g, '↵'))
      : part);
    concat.replaceChildren(...parts, el('span', { class: 'guid' }, GUID));
  }

  async function update() {
    const key = input.value;
    const mine = ++generation;
    showWarnings(key);
    if (key.length === 0) {
      concat.textContent = sha1.textContent = accept.textContent = '';
      return;
    }
    showConcat(key);
    try {
      const steps = await computeSteps(key);
      if (mine !== generation) return;
      sha1.textContent = steps.sha1Hex.match(/../g).join(' ');
      accept.textContent = steps.accept;
    } catch (error) {
      if (mine !== generation) return;
      sha1.textContent = '';
      accept.textContent = `(cannot compute: ${error.message})`;
    }
  }

  input.addEventListener('input', update);
  document.getElementById('calc-form').addEventListener('submit', event => { event.preventDefault(); update(); });
  document.getElementById('calc-example').addEventListener('click', () => { input.value = RFC_EXAMPLE_KEY; update(); input.focus(); });
  document.getElementById('calc-generate').addEventListener('click', () => {
    input.value = toBase64(crypto.getRandomValues(new Uint8Array(16)));
    update();
    input.focus();
  });
  warnings.addEventListener('click', event => {
    if (event.target.closest('[data-action="trim"]')) {
      input.value = input.value.trim();
      update();
      input.focus();
    }
  });
  input.value = RFC_EXAMPLE_KEY;
  update();
}
