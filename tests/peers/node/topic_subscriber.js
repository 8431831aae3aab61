// A Node `ws` subscriber for the topics tests: connects to URL, prints "ready", receives COUNT text messages
// "PUBLISHER:SEQ", and prints "ok COUNT" when every publisher's sequence numbers arrived once and in order, or
// "error ..." otherwise. Bounded by TIMEOUT seconds.
//   node topic_subscriber.js URL COUNT TIMEOUT
'use strict';
const { WebSocket } = require('ws');

const [url, count, timeout] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const expected = new Map();
let got = 0;
const timer = setTimeout(() => { console.log('error timeout after ' + got); process.exit(0); }, timeout * 1000);
const ws = new WebSocket(url);
ws.on('open', () => console.log('ready'));
ws.on('message', (data, isBinary) => {
  const [publisher, seq] = data.toString().split(':');
  const want = expected.get(publisher) ?? 0;
  if (isBinary || Number(seq) !== want) {
    console.log(`error ${publisher}: got ${seq}, expected ${want}`);
    process.exit(0);
  }
  expected.set(publisher, want + 1);
  if (++got === count) {
    console.log(`ok ${got}`);
    clearTimeout(timer);
    ws.close();
  }
});
ws.on('error', (e) => { console.log('error ' + e.message); process.exit(0); });
