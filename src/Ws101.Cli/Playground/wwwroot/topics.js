// A browser helper for ws101 topics with history (docs/topics.md, "History and recovery"): it subscribes to
// /topic/NAME?positions=1, remembers the position of the last message it handed over, and when the connection drops
// it reconnects (backing off) with since=POSITION, so that the server sends what was missed, in order, then the live
// feed; or says {"recovered": false} when its history no longer reaches back that far, and the page must resync.
// Plain ES module, no dependency:
//
//   import { subscribeTopic } from '/topics.js';
//   const feed = subscribeTopic('ws://127.0.0.1:8080/topic/prices', {
//     onMessage: (data, position) => render(data),       // a string, or a Uint8Array for a binary message
//     onRecovery: ({ recovered, missed }) => { if (!recovered) reloadEverything(); },
//   });
//   feed.publish('{"bid":1.08}');  feed.close();

// Close codes that say the server refused this subscription: asking again would get the same answer.
const FINAL_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010]);

/** "A-B" (two decimal numbers, as Redis Streams writes them) as a pair of BigInts, or null. */
function parsePosition(text) {
  const match = typeof text === 'string' ? /^(\d+)-(\d+)$/.exec(text) : null;
  return match ? [BigInt(match[1]), BigInt(match[2])] : null;
}

function after(a, b) {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Subscribes to a topic and keeps the subscription, resuming after every dropped connection.
 * @param {string} url ws:// or wss:// URL of /topic/NAME (a path such as '/topic/NAME' is resolved against the page).
 * @param {object} options onMessage(data, position), onRecovery({recovered, missed}), onState(state, detail) where
 *   state is 'connecting', 'open', 'waiting' (delay in ms), 'closed' (code and reason; final), or 'error' (text);
 *   since: a position to start after; minDelay and maxDelay in ms (250 and 5000).
 * @returns {{ publish(data: string | ArrayBuffer | Uint8Array): boolean, close(): void, readonly position: string | null, readonly state: string }}
 */
export function subscribeTopic(url, options = {}) {
  const { onMessage = () => {}, onRecovery = () => {}, onState = () => {}, minDelay = 250, maxDelay = 5000 } = options;
  const base = new URL(url, location.href.replace(/^http/, 'ws'));
  if (base.protocol !== 'ws:' && base.protocol !== 'wss:') throw new Error('subscribeTopic needs a ws:// or wss:// URL.');
  if (!base.pathname.startsWith('/topic/')) throw new Error('subscribeTopic needs the URL of /topic/NAME.');
  let position = options.since ?? null;
  if (position !== null && !parsePosition(position)) throw new Error(`"${position}" is not a position (A-B).`);
  let ws = null;
  let state = 'connecting';
  let delay = minDelay;
  let timer = null;
  let stopped = false;

  function report(next, detail) {
    state = next;
    onState(next, detail);
  }

  function connect() {
    const target = new URL(base);
    target.searchParams.set('positions', '1');
    if (position !== null) target.searchParams.set('since', position);
    report('connecting', target.href);
    ws = new WebSocket(target);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      delay = minDelay;
      report('open', ws.extensions);
    };
    ws.onmessage = event => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        report('error', `not a positioned message: ${String(event.data).slice(0, 80)}`);
        return;
      }
      if (typeof frame.recovered === 'boolean') {
        onRecovery({ recovered: frame.recovered, missed: frame.missed ?? 0 });
        return;
      }
      const at = parsePosition(frame.position);
      if (!at) {
        report('error', `a message without a position: ${String(event.data).slice(0, 80)}`);
        return;
      }
      // The server de-duplicates at the seam already; this guards the page against anything handed over twice.
      const last = parsePosition(position);
      if (last && !after(at, last)) return;
      position = frame.position;
      onMessage(typeof frame.base64 === 'string' ? fromBase64(frame.base64) : frame.data, frame.position);
    };
    ws.onclose = event => {
      ws = null;
      if (stopped || FINAL_CODES.has(event.code)) {
        stopped = true;
        report('closed', { code: event.code, reason: event.reason });
        return;
      }
      // Full jitter over an exponential backoff, so that many pages do not come back at the same moment.
      const wait = Math.round(delay / 2 + Math.random() * delay / 2);
      delay = Math.min(delay * 2, maxDelay);
      report('waiting', wait);
      timer = setTimeout(connect, wait);
    };
  }

  connect();
  return {
    publish(data) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(data);
      return true;
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      if (ws) ws.close(1000);
      else report('closed', { code: 1000, reason: '' });
    },
    get position() {
      return position;
    },
    get state() {
      return state;
    },
  };
}
