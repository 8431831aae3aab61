// Small helpers shared by the panels.

/** Creates an element with attributes and children (strings become text nodes, never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** POSTs JSON and returns { status, body } where body is the parsed JSON, or { error } for a non-JSON answer. */
export async function postJson(path, value, timeoutMs = 15000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(value),
      signal: controller.signal,
    });
    const type = response.headers.get('Content-Type') || '';
    const body = type.startsWith('application/json')
      ? await response.json()
      : { error: (await response.text()).trim() || `HTTP ${response.status}` };
    return { status: response.status, body };
  } finally {
    clearTimeout(timer);
  }
}

export const utf8 = new TextEncoder();

export function toHex(bytes, separator = '') {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join(separator);
}

export function toBase64(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** HH:MM:SS.mmm in local time. */
export function clock(date = new Date()) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`;
}

/** Runs fn when Ctrl+Enter or Cmd+Enter is pressed inside element. */
export function onCtrlEnter(element, fn) {
  element.addEventListener('keydown', event => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      fn();
    }
  });
}
