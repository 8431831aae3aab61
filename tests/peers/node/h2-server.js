'use strict';
// An HTTP/2 server from Node's own http2 module, for the Ws101 interop tests of WebSockets over HTTP/2 (RFC 8441).
// It is the server Kestrel cannot be: one that speaks HTTP/2 WITHOUT SETTINGS_ENABLE_CONNECT_PROTOCOL, or one that
// answers the extended CONNECT wrongly. Usage:
//
//   node h2-server.js MODE [--cert FILE --key FILE]
//
// MODE:
//   no-connect    HTTP/2 without SETTINGS_ENABLE_CONNECT_PROTOCOL. With a certificate it also speaks HTTP/1.1 (ALPN
//                 http/1.1, allowHTTP1), where /echo upgrades to a WebSocket through Node's ws and echoes.
//   accept-200    advertises SETTINGS_ENABLE_CONNECT_PROTOCOL and answers the extended CONNECT with 200 plus a
//                 Sec-WebSocket-Accept (an answer made for an HTTP/1.1 upgrade).
//   page-200      advertises it and answers the extended CONNECT with 200 and an HTML page (content-type, content-length).
//   status-403    advertises it and answers 403 with a text body.
//
// Prints one JSON line {"event":"listening","port":N}, then one line per request; exits when stdin closes.
const http2 = require('http2');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const mode = args[0];
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const certFile = option('--cert');
const keyFile = option('--key');
const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const modes = ['no-connect', 'accept-200', 'page-200', 'status-403'];
if (!modes.includes(mode)) {
  process.stderr.write(`usage: node h2-server.js ${modes.join('|')} [--cert FILE --key FILE]\n`);
  process.exit(2);
}

const settings = { enableConnectProtocol: mode !== 'no-connect' };
const tls = certFile !== undefined;
const server = tls
  ? http2.createSecureServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), allowHTTP1: true, settings })
  : http2.createServer({ settings });

server.on('stream', (stream, headers) => {
  print({ event: 'request', http: '2', method: headers[':method'], protocol: headers[':protocol'] || '', path: headers[':path'] || '' });
  if (mode === 'accept-200') {
    stream.respond({ ':status': 200, 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' });
    return;
  }
  if (mode === 'page-200') {
    const page = '<!DOCTYPE html><title>Home</title><p>Welcome</p>';
    stream.respond({ ':status': 200, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
    stream.end(page);
    return;
  }
  if (mode === 'status-403') {
    stream.respond({ ':status': 403, 'content-type': 'text/plain' });
    stream.end('Origin not allowed\n');
    return;
  }
  stream.respond({ ':status': 404, 'content-type': 'text/plain' });
  stream.end('no such page\n');
});

if (tls) {
  // An HTTP/1.1 connection (ALPN http/1.1): WebSockets the classic way, through Node's ws.
  const { WebSocketServer } = require(path.join(__dirname, 'node_modules', 'ws'));
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    print({ event: 'request', http: request.httpVersion, method: request.method, protocol: 'websocket', path: request.url });
    wss.handleUpgrade(request, socket, head, (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  });
}

server.listen(0, '127.0.0.1', () => print({ event: 'listening', port: server.address().port }));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
