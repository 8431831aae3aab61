#!/usr/bin/env node
// Ws101 interop peer built on Node's `ws`. One program, two modes:
//
//   node peer.js server [--port 0] [--config JSON|-]   echo server on 127.0.0.1
//   node peer.js client --url URL [--config JSON|-]    scripted client
//
// Everything it sees is written to stdout as JSON lines (see docs/testing.md, "JSON-lines protocol").
// Diagnostics go to stderr. Every wait is bounded: a step waits at most config.stepTimeoutMs, the
// whole client run at most config.timeoutMs, and a server lives at most config.lifetimeMs (and exits
// when its stdin closes, so it never outlives the test that started it).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const { WebSocket, WebSocketServer } = require('ws');

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_TIMEOUT = 2;
const EXIT_USAGE = 64;

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function log(message) {
  process.stderr.write(`[node-peer] ${message}\n`);
}

function parseArgs(argv) {
  const args = { mode: argv[0], port: 0, url: null, config: '{}' };
  for (let i = 1; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value after ${name}`);
    i++;
    if (name === '--port') args.port = Number(value);
    else if (name === '--url') args.url = value;
    else if (name === '--config') args.config = value === '-' ? fs.readFileSync(0, 'utf8') : value;
    else throw new Error(`unknown option ${name}`);
  }
  if (args.mode !== 'server' && args.mode !== 'client') throw new Error('mode must be server or client');
  if (args.mode === 'client' && !args.url) throw new Error('client mode needs --url');
  if (args.mode === 'server' && argv.includes('-')) throw new Error("--config - (stdin) is for client mode; a server's stdin is its stop signal");
  return args;
}

function withDefaults(config, mode) {
  return {
    steps: config.steps || [],
    echo: config.echo === undefined || config.echo === null ? mode === 'server' : Boolean(config.echo),
    echoFragments: config.echoFragments || 1,
    perMessageDeflate: Boolean(config.perMessageDeflate),
    protocols: config.protocols || [],
    headers: config.headers || {},
    origin: config.origin || null,
    tls: config.tls || null,
    ca: config.ca || null,
    maxMessageBytes: config.maxMessageBytes || 64 * 1024 * 1024,
    timeoutMs: config.timeoutMs || 20000,
    stepTimeoutMs: config.stepTimeoutMs || config.timeoutMs || 20000,
    lifetimeMs: config.lifetimeMs || 120000,
  };
}

// The deterministic payloads every peer and the C# harness agree on.
function payload(type, size) {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    bytes[i] = type === 'text' ? 32 + ((i * 7) % 95) : (i * 31 + 7) & 0xff;
  }
  return bytes;
}

function stepBytes(step) {
  if (step.text !== undefined) return Buffer.from(step.text, 'utf8');
  if (step.base64 !== undefined) return Buffer.from(step.base64, 'base64');
  return payload(step.type || 'text', step.size || 0);
}

function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

function describe(bytes, isText) {
  const event = { type: isText ? 'text' : 'binary', length: bytes.length, sha256: sha256(bytes) };
  if (isText && bytes.length <= 1024) event.text = bytes.toString('utf8');
  return event;
}

// Splits bytes into `count` nearly equal chunks (at least one, possibly empty).
function split(bytes, count) {
  const n = Math.max(1, Math.floor(count));
  const chunks = [];
  const size = Math.ceil(bytes.length / n);
  for (let i = 0; i < n; i++) chunks.push(bytes.subarray(Math.min(i * size, bytes.length), Math.min((i + 1) * size, bytes.length)));
  return chunks;
}

function sendAsync(ws, bytes, isBinary, fin) {
  return new Promise((resolve, reject) => {
    ws.send(bytes, { binary: isBinary, fin }, (err) => (err ? reject(err) : resolve()));
  });
}

async function sendMessage(ws, bytes, isBinary, fragments) {
  const chunks = split(bytes, fragments);
  for (let i = 0; i < chunks.length; i++) await sendAsync(ws, chunks[i], isBinary, i === chunks.length - 1);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms waiting for ${what}`), { timeout: true })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// One connection: records what arrives, echoes when asked, and runs the script's steps.
class Session {
  constructor(ws, config, conn) {
    this.ws = ws;
    this.config = config;
    this.conn = conn;
    this.inbox = [];
    this.messageWaiters = [];
    this.pongWaiters = [];
    this.closed = new Promise((resolve) => { this.resolveClosed = resolve; });
    // Echoes go out in arrival order, and a message is handed to the steps only once echoed.
    this.echoChain = Promise.resolve();
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('ping', (data) => this.emit({ event: 'ping', length: data.length }));
    ws.on('pong', (data) => {
      this.emit({ event: 'pong', length: data.length });
      const waiter = this.pongWaiters.shift();
      if (waiter) waiter();
    });
    ws.on('close', (code, reason) => {
      this.emit({ event: 'close', code, reason: reason.toString('utf8') });
      this.resolveClosed({ code, reason: reason.toString('utf8') });
    });
    ws.on('error', (err) => this.emit({ event: 'error', message: err.message }));
  }

  emit(event) {
    emit(this.conn === null ? event : { conn: this.conn, ...event });
  }

  onMessage(data, isBinary) {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    this.emit({ event: 'message', ...describe(bytes, !isBinary) });
    this.echoChain = this.echoChain
      .then(() => {
        if (this.config.echo && this.ws.readyState === WebSocket.OPEN) {
          return sendMessage(this.ws, bytes, isBinary, this.config.echoFragments);
        }
        return undefined;
      })
      .catch((err) => this.emit({ event: 'error', message: `echo failed: ${err.message}` }))
      .then(() => {
        const waiter = this.messageWaiters.shift();
        if (waiter) waiter(bytes);
        else this.inbox.push(bytes);
      });
  }

  nextMessage() {
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift());
    return this.unlessClosed(new Promise((resolve) => this.messageWaiters.push(resolve)), 'a message');
  }

  // Fails at once, instead of at the timeout, when the connection closes before `promise` settles.
  unlessClosed(promise, what) {
    const closedFirst = this.closed.then(({ code, reason }) => {
      throw new Error(`the connection closed (${code} ${JSON.stringify(reason)}) while waiting for ${what}`);
    });
    return Promise.race([promise, closedFirst]);
  }

  async runStep(step) {
    const ms = step.timeoutMs || this.config.stepTimeoutMs;
    switch (step.op) {
      case 'send': {
        const bytes = stepBytes(step);
        const isBinary = (step.type || 'text') === 'binary';
        await withTimeout(sendMessage(this.ws, bytes, isBinary, step.fragments || 1), ms, 'a send');
        this.emit({ event: 'sent', ...describe(bytes, !isBinary), fragments: Math.max(1, step.fragments || 1) });
        break;
      }
      case 'receive': {
        for (let i = 0; i < (step.count || 1); i++) await withTimeout(this.nextMessage(), ms, 'a message');
        break;
      }
      case 'ping': {
        const bytes = stepBytes({ type: 'binary', ...step });
        const pong = new Promise((resolve) => this.pongWaiters.push(resolve));
        this.ws.ping(bytes);
        this.emit({ event: 'sent_ping', length: bytes.length });
        await withTimeout(this.unlessClosed(pong, 'a pong'), ms, 'a pong');
        break;
      }
      case 'close': {
        if (step.code === undefined) this.ws.close();
        else this.ws.close(step.code, step.reason || '');
        await withTimeout(this.closed, ms, 'the closing handshake');
        break;
      }
      case 'wait_close':
        await withTimeout(this.closed, ms, 'the peer to close');
        break;
      case 'sleep':
        await new Promise((resolve) => setTimeout(resolve, Math.min(step.ms || 0, ms)));
        break;
      case 'terminate':
        this.ws.terminate();
        break;
      default:
        throw new Error(`unknown step op ${JSON.stringify(step.op)}`);
    }
  }

  async runSteps() {
    for (const step of this.config.steps) await this.runStep(step);
  }
}

function runServer(args, config) {
  const lifetime = setTimeout(() => {
    log(`lifetime of ${config.lifetimeMs} ms is over; exiting`);
    process.exit(EXIT_TIMEOUT);
  }, config.lifetimeMs);
  lifetime.unref();

  const httpServer = config.tls
    ? https.createServer({ cert: fs.readFileSync(config.tls.cert), key: fs.readFileSync(config.tls.key) })
    : http.createServer();
  httpServer.on('request', (req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' });
    res.end('WebSocket upgrade expected\n');
  });
  const wss = new WebSocketServer({
    server: httpServer,
    perMessageDeflate: config.perMessageDeflate,
    maxPayload: config.maxMessageBytes,
    handleProtocols: (offered) => {
      for (const p of config.protocols) if (offered.has(p)) return p;
      return false;
    },
  });
  let next = 1;
  wss.on('connection', (ws, req) => {
    const session = new Session(ws, config, next++);
    session.emit({ event: 'open', path: req.url, protocol: ws.protocol, extensions: ws.extensions, headers: req.headers });
    session.runSteps().catch((err) => {
      session.emit({ event: 'error', message: err.message });
      ws.terminate();
    });
  });
  httpServer.listen(args.port, '127.0.0.1', () => {
    const port = httpServer.address().port;
    emit({ event: 'listening', port, url: `${config.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/` });
  });
  // The test that started us closes our stdin to stop us; we then stop listening and exit.
  process.stdin.resume();
  process.stdin.on('end', () => {
    for (const client of wss.clients) client.terminate();
    httpServer.close();
    emit({ event: 'stopped' });
    process.exit(EXIT_OK);
  });
}

async function runClient(args, config) {
  const deadline = setTimeout(() => {
    emit({ event: 'error', message: `client run exceeded ${config.timeoutMs} ms` });
    process.exit(EXIT_TIMEOUT);
  }, config.timeoutMs);
  const options = {
    perMessageDeflate: config.perMessageDeflate,
    maxPayload: config.maxMessageBytes,
    headers: config.headers,
    handshakeTimeout: config.stepTimeoutMs,
  };
  if (config.origin) options.origin = config.origin;
  if (config.ca) options.ca = fs.readFileSync(config.ca);
  const ws = new WebSocket(args.url, config.protocols, options);
  const session = new Session(ws, config, null);
  ws.on('unexpected-response', (req, res) => {
    emit({ event: 'error', message: `handshake failed with HTTP ${res.statusCode}`, status: res.statusCode });
    ws.terminate();
  });
  await withTimeout(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('close', () => reject(new Error('closed before open')));
    ws.once('error', reject);
  }), config.stepTimeoutMs, 'the opening handshake');
  emit({ event: 'open', protocol: ws.protocol, extensions: ws.extensions });
  await session.runSteps();
  if (ws.readyState !== WebSocket.CLOSED) {
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, '');
    await withTimeout(session.closed, config.stepTimeoutMs, 'the closing handshake');
  }
  clearTimeout(deadline);
  emit({ event: 'done' });
}

function main() {
  let args;
  let config;
  try {
    args = parseArgs(process.argv.slice(2));
    config = withDefaults(JSON.parse(args.config), args.mode);
  } catch (err) {
    log(`usage error: ${err.message}`);
    log('usage: node peer.js server [--port 0] [--config JSON|-] | client --url URL [--config JSON|-]');
    process.exit(EXIT_USAGE);
  }
  if (args.mode === 'server') {
    runServer(args, config);
    return;
  }
  runClient(args, config).then(
    () => process.exit(EXIT_OK),
    (err) => {
      emit({ event: 'error', message: err.message });
      log(err.stack || err.message);
      process.exit(err.timeout ? EXIT_TIMEOUT : EXIT_FAILED);
    });
}

main();
