#!/usr/bin/python3
"""Makes the seed inputs of the fuzz targets (fuzz/Ws101.Fuzz), before minimization.

    /usr/bin/python3 fuzz/seeds.py OUT_DIR

writes OUT_DIR/TARGET/NAME for every target: real handshakes and frames captured on 127.0.0.1 from Chromium
(Debian's /usr/bin/chromium), Node's ws (tests/peers/node) and Python's websockets (Debian's python3-websockets),
plus the crafted cases of the unit tests (tests/Ws101.Tests). `fuzz/run.sh cmin TARGET OUT_DIR/TARGET` then keeps
the smallest set with the same coverage in fuzz/corpus/TARGET. Each seed starts with the target's option bytes
(see the target's class comment in fuzz/Ws101.Fuzz); 0 means the defaults.

Every peer runs on a free loopback port, every wait is bounded, and every process started here is stopped by pid.
"""

import asyncio
import base64
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
import zlib

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_MODULES = os.path.join(ROOT, "tests", "peers", "node", "node_modules")
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
STEP_TIMEOUT = 10

seeds = {}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    seeds.setdefault(target, {})[name] = bytes(data)


def accept_of(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


# ---------------------------------------------------------------------------------------------------------------
# Frames, written from the RFC 6455 §5.2 diagram (as tests/Ws101.Tests/Protocol/Wire.cs does).

def frame(first_byte, payload=b"", masked=False, length_bits=None, declared=None, key=b"\x37\xfa\x21\x3d"):
    length = len(payload) if declared is None else declared
    bits = length_bits or (7 if length <= 125 else 16 if length <= 0xFFFF else 64)
    out = bytearray([first_byte])
    m = 0x80 if masked else 0
    if bits == 7:
        out.append(m | length)
    elif bits == 16:
        out.append(m | 126)
        out += struct.pack(">H", length)
    else:
        out.append(m | 127)
        out += struct.pack(">Q", length)
    if masked:
        out += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes(out + payload)


def deflate(data, compressor=None):
    """RFC 7692 §7.2.1: raw deflate, flushed to a byte boundary, without the final 00 00 ff ff."""
    c = compressor or zlib.compressobj(6, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def read_frames(data):
    """Splits a byte stream into frames; the last may be cut."""
    frames = []
    i = 0
    while i + 2 <= len(data):
        b1 = data[i + 1]
        n = b1 & 0x7F
        h = 2
        if n == 126:
            n = struct.unpack(">H", data[i + 2:i + 4])[0]
            h = 4
        elif n == 127:
            n = struct.unpack(">Q", data[i + 2:i + 10])[0]
            h = 10
        if b1 & 0x80:
            h += 4
        frames.append(data[i:i + h + n])
        i += h + n
    return frames


# Option bytes of the targets: see the class comments in fuzz/Ws101.Fuzz.
def protocol_input(stream, client=False, flags=0, limits=(0, 0), plan=()):
    return bytes([flags | (1 if client else 0), limits[0], limits[1], len(plan)] + [p - 1 for p in plan]) + stream


def deflate_input(stream, client=False, flags=0, limits=(0, 0), no_context=False, plan=()):
    return bytes([flags | (1 if client else 0), limits[0], limits[1], 1 if no_context else 0, len(plan)]
                 + [p - 1 for p in plan]) + stream


# ---------------------------------------------------------------------------------------------------------------
# Captures from real peers.

PAGE = """<!doctype html><script>
const ws = new WebSocket(location.href.replace('http', 'ws').replace('/page', '/chat'), ['chat', 'superchat']);
ws.binaryType = 'arraybuffer';
ws.onopen = () => {
  ws.send('hello');
  ws.send('{"type":"update","items":[' + Array(60).fill('{"id":1,"name":"widget","price":9.99}').join(',') + ']}');
  ws.send(new Uint8Array([0, 1, 2, 3, 254, 255]));
  setTimeout(() => ws.close(1000, 'bye'), 200);
};
</script>"""

LARGE_TEXT = '{"type":"update","items":[' + ",".join(['{"id":1,"name":"widget","price":9.99}'] * 60) + "]}"


class Recorder:
    """A raw server on 127.0.0.1 that answers 101 (accepting permessage-deflate when offered) and records the request
    and every byte the client sends after it. A plain GET /page gets the Chromium test page."""

    def __init__(self):
        self.captures = []
        self.done = asyncio.Event()

    async def handle(self, reader, writer):
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP_TIMEOUT)
            text = head.decode("latin-1")
            if text.startswith("GET /page"):
                body = PAGE.encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
                await writer.drain()
                return
            headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in text.split("\r\n")[1:] if ":" in l}
            if "sec-websocket-key" not in headers:  # the browser's favicon request
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                return
            response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            response += "Sec-WebSocket-Accept: " + accept_of(headers.get("sec-websocket-key", "")) + "\r\n"
            if "permessage-deflate" in headers.get("sec-websocket-extensions", ""):
                response += "Sec-WebSocket-Extensions: permessage-deflate\r\n"
            if "sec-websocket-protocol" in headers:
                response += "Sec-WebSocket-Protocol: " + headers["sec-websocket-protocol"].split(",")[0].strip() + "\r\n"
            writer.write((response + "\r\n").encode())
            await writer.drain()
            stream = bytearray()
            while True:
                chunk = await asyncio.wait_for(reader.read(65536), STEP_TIMEOUT)
                if not chunk:
                    break
                stream += chunk
                frames = read_frames(bytes(stream))
                if frames and (frames[-1][0] & 0x0F) == 0x8 and len(frames[-1]) >= 2:
                    writer.write(frame(0x88, b"\x03\xe8"))
                    await writer.drain()
                    break
            self.captures.append((head, bytes(stream)))
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self.done.set()


async def run_process(args, env=None, timeout=30):
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env)
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()


async def capture_clients():
    """Client handshakes and client-to-server frames (masked) from each client, with and without compression."""
    recorder = Recorder()
    server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"ws://127.0.0.1:{port}/chat"

    async def python_client(compression):
        async with websockets.connect(url, compression=compression, subprotocols=["chat"], open_timeout=STEP_TIMEOUT) as ws:
            await ws.send("hello")
            await ws.send(LARGE_TEXT)
            await ws.send(bytes([0, 1, 2, 3, 254, 255]))
            # The recorder does not answer pings: the ping's frame is what is wanted, not its pong.
            (await ws.ping(b"p")).cancel()
            await ws.close(1000, "bye")

    node_script = f"""
const {{ WebSocket }} = require('ws');
const ws = new WebSocket('{url}', ['chat'], {{ perMessageDeflate: process.argv[1] === 'deflate' ? {{ threshold: 0 }} : false }});
ws.on('open', () => {{
  ws.send('hello');
  ws.send({LARGE_TEXT!r});
  ws.send(Buffer.from([0, 1, 2, 3, 254, 255]));
  ws.ping('p');
  ws.close(1000, 'bye');
}});
ws.on('close', () => process.exit(0));
ws.on('error', () => process.exit(1));
setTimeout(() => process.exit(2), 10000);
"""
    env = dict(os.environ, NODE_PATH=NODE_MODULES)
    runs = [
        ("python-websockets", lambda: python_client("deflate")),
        ("python-websockets-plain", lambda: python_client(None)),
        ("node-ws", lambda: run_process(["node", "-e", node_script, "deflate"], env)),
        ("node-ws-plain", lambda: run_process(["node", "-e", node_script, "plain"], env)),
        ("chromium", lambda: chromium(f"http://127.0.0.1:{port}/page")),
    ]
    results = {}
    for name, run in runs:
        before = len(recorder.captures)
        try:
            await asyncio.wait_for(run(), 40)
        except Exception as e:  # a peer that fails only costs its seeds
            print(f"seeds: {name} client failed: {e!r}", file=sys.stderr)
        for _ in range(100):
            if len(recorder.captures) > before:
                break
            await asyncio.sleep(0.1)
        if len(recorder.captures) > before:
            results[name] = recorder.captures[before]
        else:
            print(f"seeds: nothing captured from {name}", file=sys.stderr)
    server.close()
    return results


async def chromium(url):
    profile = tempfile.mkdtemp(prefix="ws101-seeds-chromium-")
    try:
        # --dump-dom returns once the page has loaded and its script has run (the socket closes 200 ms after opening).
        await run_process(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           "--disable-extensions", f"--user-data-dir={profile}", "--dump-dom", url], timeout=40)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


async def raw_client(port, request, frames_to_send, wait_close=True):
    """Sends a request and frames to a server; returns the response bytes (head and every frame after it)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), STEP_TIMEOUT)
    writer.write(request.encode("latin-1"))
    await writer.drain()
    received = bytearray()
    try:
        received += await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP_TIMEOUT)
        if b" 101 " in bytes(received).split(b"\r\n")[0]:
            for f in frames_to_send:
                writer.write(f)
            await writer.drain()
        while wait_close:
            chunk = await asyncio.wait_for(reader.read(65536), 3)
            if not chunk:
                break
            received += chunk
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()
    return bytes(received)


def client_frames(compressed):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    if compressed:
        texts = [frame(0xC1, deflate(b"hello", c), masked=True), frame(0xC1, deflate(LARGE_TEXT.encode(), c), masked=True)]
    else:
        texts = [frame(0x81, b"hello", masked=True), frame(0x81, LARGE_TEXT.encode(), masked=True)]
    return texts + [frame(0x82, bytes([0, 1, 2, 3, 254, 255]), masked=True), frame(0x89, b"p", masked=True),
                    frame(0x88, b"\x03\xe8bye", masked=True)]


def upgrade_request(port, extra=""):
    return (f"GET /chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {RFC_KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n")


async def capture_servers():
    """Server responses and server-to-client frames (unmasked) from each server, with and without compression."""
    results = {}

    async def echo(ws, path=None):
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    servers = [await websockets.serve(echo, "127.0.0.1", 0, compression="deflate", subprotocols=["chat"])]
    python_port = servers[0].sockets[0].getsockname()[1] if hasattr(servers[0], "sockets") else list(servers[0].server.sockets)[0].getsockname()[1]
    node_script = """
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 },
  handleProtocols: (p) => p.has('chat') ? 'chat' : false });
wss.on('listening', () => { console.log(wss.address().port); });
wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
setTimeout(() => process.exit(0), 60000);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
"""
    node = await asyncio.create_subprocess_exec("node", "-e", node_script, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, env=dict(os.environ, NODE_PATH=NODE_MODULES))
    try:
        node_port = int((await asyncio.wait_for(node.stdout.readline(), STEP_TIMEOUT)).decode().strip())
        for peer, port in (("python-websockets", python_port), ("node-ws", node_port)):
            offer = "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            results[peer] = await raw_client(port, upgrade_request(port, offer), client_frames(True))
            results[peer + "-plain"] = await raw_client(port, upgrade_request(port), client_frames(False))
            results[peer + "-version-8"] = await raw_client(port, upgrade_request(port).replace("Version: 13", "Version: 8"), [])
            results[peer + "-page-load"] = await raw_client(port, f"GET /chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n", [])
    finally:
        node.stdin.close()
        try:
            await asyncio.wait_for(node.wait(), STEP_TIMEOUT)
        except asyncio.TimeoutError:
            node.kill()
        for s in servers:
            s.close()
    return results


def captured():
    clients = asyncio.run(capture_clients())
    servers = asyncio.run(capture_servers())
    for name, (head, stream) in clients.items():
        seed("http-request", name, b"\x00" + head)
        seed("server-handshake", name, b"\x00" + head)
        seed("diagnose", name + "-request", b"\x00" + head)
        deflated = b"permessage-deflate" in head and "plain" not in name
        seed("protocol", name + "-frames", protocol_input(stream, flags=16 if deflated else 0))
        seed("protocol", name + "-frames-chunked", protocol_input(stream, flags=16 if deflated else 0, plan=(1, 7, 64)))
        if deflated:
            seed("deflate", name + "-frames", deflate_input(stream))
            seed("deflate", name + "-frames-chunked", deflate_input(stream, plan=(3, 50)))
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("sec-websocket-extensions:"):
                seed("extensions", name + "-offer", b"\x00" + line.split(":", 1)[1].strip().encode() + b"\n\npermessage-deflate")
    for name, response in servers.items():
        end = response.find(b"\r\n\r\n") + 4
        head, stream = response[:end], response[end:]
        seed("http-response", name, b"\x00" + response)
        request = 1 if "plain" in name else 2
        # Option byte of client-handshake: low 2 bits choose the fixed request (1: subprotocols, 2: permessage-deflate).
        seed("client-handshake", name, bytes([request]) + response)
        seed("diagnose", name + "-response", b"\x00" + response)
        if stream:
            deflated = b"permessage-deflate" in head
            seed("protocol", name + "-frames", protocol_input(stream, client=True, flags=16 if deflated else 0))
            if deflated:
                seed("deflate", name + "-frames", deflate_input(stream, client=True))
                seed("deflate", name + "-frames-chunked", deflate_input(stream, client=True, plan=(2, 9)))
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("sec-websocket-extensions:"):
                seed("extensions", name + "-response",
                     b"\x00permessage-deflate; client_max_window_bits\n\n" + line.split(":", 1)[1].strip().encode())
    return clients, servers


# ---------------------------------------------------------------------------------------------------------------
# Crafted cases, after the unit tests (tests/Ws101.Tests/Handshake, Protocol, Compression, PubSub).

CHROMIUM_REQUEST = (
    "GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8080\r\nConnection: Upgrade\r\nPragma: no-cache\r\n"
    "Cache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36\r\nUpgrade: websocket\r\nOrigin: https://example.com\r\nSec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.9,fr;q=0.8\r\n"
    f"Sec-WebSocket-Key: {RFC_KEY}\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")

RFC_REQUEST = (f"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {RFC_KEY}\r\nOrigin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n")

RFC_RESPONSE = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_of(RFC_KEY)}\r\n\r\n")


def edit(request, old, new):
    assert old in request, old
    return request.replace(old, new, 1)


def crafted_requests():
    r = RFC_REQUEST
    return {
        "rfc": r,
        "chromium-131-sample": CHROMIUM_REQUEST,
        "bare-lf": r.replace("\r\n", "\n"),
        "leading-empty-lines": "\r\n\r\n" + r,
        "absolute-form": edit(r, "GET /chat", "GET ws://server.example.com/chat?x=1"),
        "http-1.0": edit(r, "HTTP/1.1", "HTTP/1.0"),
        "post-with-body": edit(edit(r, "GET", "POST"), "\r\n\r\n", "\r\nContent-Length: 5\r\n\r\nhello"),
        "chunked": edit(r, "\r\n\r\n", "\r\nTransfer-Encoding: chunked\r\n\r\n"),
        "obs-fold": edit(r, "Upgrade: websocket\r\n", "Upgrade: websocket\r\n  continued\r\n"),
        "no-colon": edit(r, "Upgrade: websocket", "Upgrade websocket"),
        "space-before-colon": edit(r, "Upgrade: websocket", "Upgrade : websocket"),
        "control-in-value": edit(r, "Upgrade: websocket", "Upgrade: web\x01socket"),
        "nul-in-request-line": edit(r, "GET /chat", "GET /ch\x00at"),
        "extra-spaces": edit(r, "GET /chat HTTP", "GET  /chat HTTP"),
        "lowercase-version": edit(r, "HTTP/1.1", "http/1.1"),
        "missing-key": edit(r, f"Sec-WebSocket-Key: {RFC_KEY}\r\n", ""),
        "short-key": edit(r, RFC_KEY, "c2hvcnQ="),
        "key-not-base64": edit(r, RFC_KEY, "not base64 at all!!!!!!!"),
        "two-keys": edit(r, "\r\n\r\n", f"\r\nSec-WebSocket-Key: {RFC_KEY}\r\n\r\n"),
        "key-list": edit(r, RFC_KEY, RFC_KEY + ", " + RFC_KEY),
        "version-8": edit(r, "Version: 13", "Version: 8"),
        "two-versions": edit(r, "Version: 13", "Version: 13\r\nSec-WebSocket-Version: 8"),
        "missing-host": edit(r, "Host: server.example.com\r\n", ""),
        "two-hosts": edit(r, "Host: server.example.com\r\n", "Host: a\r\nHost: b\r\n"),
        "upgrade-h2c": edit(r, "Upgrade: websocket", "Upgrade: h2c"),
        "connection-keep-alive": edit(r, "Connection: Upgrade", "Connection: keep-alive"),
        "connection-list": edit(r, "Connection: Upgrade", "Connection: keep-alive, Upgrade"),
        "plain-page-load": "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nAccept: text/html\r\n\r\n",
        "subprotocol-twice": edit(r, "chat, superchat", "chat, chat"),
        "subprotocol-not-token": edit(r, "chat, superchat", "chat, super chat"),
        "extensions": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; "
                                          "server_max_window_bits=10, permessage-deflate\r\n\r\n"),
        "extensions-bad": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; =; x\r\n\r\n"),
        "extensions-quoted": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=\"10\"\r\n\r\n"),
        "tls-client-hello": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00" * 8,
        "incomplete": r[:40],
        "latin1-value": edit(r, "Origin: http://example.com", "Origin: http://caf\xe9.example"),
    }


def crafted_responses():
    r = RFC_RESPONSE
    return {
        "rfc": r,
        "no-reason": edit(r, "101 Switching Protocols", "101"),
        "with-subprotocol": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\n\r\n"),
        "with-deflate": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n"),
        "deflate-window": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10; "
                                              "server_max_window_bits=12\r\n\r\n"),
        "deflate-twice": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n\r\n"),
        "unrequested-extension": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame\r\n\r\n"),
        "two-subprotocols": edit(r, "\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n"),
        "wrong-accept": edit(r, accept_of(RFC_KEY), base64.b64encode(hashlib.sha256((RFC_KEY + GUID).encode()).digest()).decode()),
        "accept-of-key": edit(r, accept_of(RFC_KEY), RFC_KEY),
        "two-accepts": edit(r, "\r\n\r\n", f"\r\nSec-WebSocket-Accept: {accept_of(RFC_KEY)}\r\n\r\n"),
        "missing-upgrade": edit(r, "Upgrade: websocket\r\n", ""),
        "connection-close": edit(r, "Connection: Upgrade", "Connection: close"),
        "http-1.0": "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>",
        "200-html": "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>",
        "302": "HTTP/1.1 302 Found\r\nLocation: https://example.com/socket\r\nContent-Length: 0\r\n\r\n",
        "301-relative": "HTTP/1.1 301 Moved Permanently\r\nLocation: /v2/chat\r\n\r\n",
        "401": "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"chat\"\r\n\r\n",
        "403": "HTTP/1.1 403 Forbidden\r\nContent-Length: 16\r\n\r\norigin not allowed",
        "404": "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nNo route for /chat",
        "426": "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13, 8\r\n\r\n",
        "503": "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\r\n",
        "status-two-digits": "HTTP/1.1 99 Odd\r\n\r\n",
        "ssh-banner": "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
        "truncated": r[:50],
        "101-then-frame": r + "\x81\x05hello",
    }


def crafted():
    requests = crafted_requests()
    responses = crafted_responses()
    for name, text in requests.items():
        seed("http-request", name, "\x00" + text)
        seed("server-handshake", name, "\x00" + text)
    seed("http-request", "rfc-small-limits", "\x02" + requests["rfc"])
    seed("http-request", "rfc-tiny-limits", "\x03" + requests["rfc"])
    seed("http-request", "rfc-cut", "\x80" + requests["rfc"])
    for name, text in responses.items():
        seed("http-response", name, "\x00" + text)
        # Request 0 is plain, 1 offers subprotocols, 2 offers permessage-deflate, 3 both with client_max_window_bits.
        seed("client-handshake", name, "\x03" + text)
    seed("client-handshake", "rfc-plain-request", "\x00" + responses["rfc"])
    seed("client-handshake", "with-subprotocol", "\x01" + responses["with-subprotocol"])
    seed("client-handshake", "with-deflate", "\x02" + responses["with-deflate"])
    seed("client-handshake", "truncated-ended", "\x04" + responses["truncated"])
    seed("client-handshake", "empty-ended", "\x04")
    seed("http-response", "rfc-small-limits", "\x02" + responses["rfc"])

    # The diagnoser: raw pastes (request, response, both), curl -v output, and the same shaped by the target.
    pairs = {
        "pair-rfc": RFC_REQUEST + RFC_RESPONSE,
        "pair-lf": (RFC_REQUEST + RFC_RESPONSE).replace("\r\n", "\n"),
        "pair-no-blank-between": RFC_REQUEST[:-2] + RFC_RESPONSE,
        "pair-404": CHROMIUM_REQUEST + responses["404"],
        "pair-wrong-accept": RFC_REQUEST + responses["wrong-accept"],
        "response-only": responses["302"],
        "request-only": requests["version-8"],
        "garbage": "hello world\nthis is not http\n",
    }
    for name, text in pairs.items():
        seed("diagnose", name, "\x00" + text)
    curl = ("*   Trying 127.0.0.1:8080...\n* Connected to 127.0.0.1 (127.0.0.1) port 8080\n"
            + "".join("> " + l + "\n" for l in RFC_REQUEST.split("\r\n")[:-1])
            + "".join("< " + l + "\n" for l in responses["404"].split("\r\n\r\n")[0].split("\r\n")) + "< \n"
            + "No route for /chat\n* Connection #0 to host 127.0.0.1 left intact\n")
    seed("diagnose", "curl-v", "\x00" + curl)
    seed("diagnose", "curl-v-shaped", "\x02" + RFC_REQUEST + responses["426"])
    seed("diagnose", "utf8-latin1", "\x01" + requests["latin1-value"])
    har_seeds()
    console_seeds()

    # Frames: what a peer of each role sends, well-formed and not (tests/Ws101.Tests/Protocol).
    for client in (False, True):
        masked = not client  # a client's frames, read by a server, are masked (RFC 6455 §5.1)
        role = "client" if client else "server"
        f = lambda b, p=b"", **kw: frame(b, p, masked=kw.pop("masked", masked), **kw)
        cases = {
            "text": f(0x81, b"Hello"),
            "binary-16bit": f(0x82, bytes(range(256)) * 2),
            "binary-64bit": f(0x82, b"x" * 200, length_bits=64),
            "fragmented-with-ping": f(0x01, b"Hel") + f(0x89, b"ping") + f(0x80, b"lo"),
            "utf8-split": f(0x01, "é".encode()[:1]) + f(0x80, "é".encode()[1:] + "€😀".encode()),
            "ping-pong-close": f(0x89, b"are you there") + f(0x8A, b"yes") + f(0x88, b"\x03\xe8done"),
            "close-empty": f(0x88),
            "close-1-byte": f(0x88, b"\x03"),
            "close-bad-code": f(0x88, b"\x03\xed"),
            "close-bad-utf8": f(0x88, b"\x03\xe8\xff"),
            "invalid-utf8": f(0x81, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"),
            "truncated-utf8": f(0x81, b"ok\xe2\x82"),
            "reserved-opcode": f(0x83, b"x"),
            "reserved-control-opcode": f(0x8B),
            "rsv2": f(0xA1, b"x"),
            "rsv1-text": f(0xC1, b"x"),
            "rsv1-continuation": f(0x41, b"x") + f(0xC0, b"y"),
            "control-too-long": f(0x89, b"x" * 126),
            "fragmented-ping": f(0x09, b"x"),
            "continuation-first": f(0x80, b"x"),
            "new-message-mid-message": f(0x01, b"a") + f(0x81, b"b"),
            "length-msb-set": f(0x82, b"", length_bits=64, declared=1 << 63),
            "length-not-minimal": f(0x82, b"abc", length_bits=16),
            "huge-declared": f(0x82, b"", length_bits=64, declared=1 << 40),
            "wrong-masking": frame(0x81, b"hi", masked=not masked),
            "data-after-close": f(0x88, b"\x03\xe8") + f(0x81, b"late"),
            "many-pings": b"".join(f(0x89, bytes([i]) * 100) for i in range(40)),
            "empty-frames": f(0x01) + f(0x00) + f(0x80) + f(0x82),
        }
        for name, stream in cases.items():
            seed("protocol", f"{role}-{name}", protocol_input(stream, client=client))
        seed("protocol", f"{role}-fragmented-streaming", protocol_input(cases["fragmented-with-ping"], client=client, flags=2))
        seed("protocol", f"{role}-surface-pings", protocol_input(cases["ping-pong-close"], client=client, flags=8 | 4))
        seed("protocol", f"{role}-small-limits", protocol_input(cases["binary-16bit"], client=client, flags=32, limits=(64, 40)))
        seed("protocol", f"{role}-byte-by-byte", protocol_input(cases["utf8-split"] + cases["ping-pong-close"], client=client, plan=(1,)))
        seed("protocol", f"{role}-streaming-chunked", protocol_input(cases["binary-16bit"], client=client, flags=2, plan=(5, 100)))

        # permessage-deflate (tests/Ws101.Tests/Compression): context takeover, resets, fragments, bad data, a bomb.
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        takeover = f(0xC1, deflate(LARGE_TEXT.encode(), c)) + f(0xC1, deflate(LARGE_TEXT.encode(), c))
        whole = deflate(b"Hello, Hello, Hello, compressed world")
        fragmented = f(0x41, whole[:5]) + f(0x80, whole[5:])
        final_block = zlib.compressobj(6, zlib.DEFLATED, -15)
        bfinal = final_block.compress(b"ends the stream") + final_block.flush(zlib.Z_FINISH)
        bomb = deflate(b"\x00" * (2 * 1024 * 1024))
        deflate_cases = {
            "takeover": takeover,
            "fragmented": fragmented,
            "binary": f(0xC2, deflate(bytes(range(256)) * 4)),
            "uncompressed-between": f(0xC1, whole) + f(0x81, b"plain") + f(0xC1, whole),
            "empty-message": f(0xC1, b"\x00"),
            "bfinal-then-next": f(0xC1, bfinal) + f(0xC1, whole),
            "invalid-data": f(0xC1, b"\xff\xff\xff\xff"),
            "not-utf8": f(0xC1, deflate(b"\xff\xfe")),
            "bomb": f(0xC2, bomb),
        }
        for name, stream in deflate_cases.items():
            seed("deflate", f"{role}-{name}", deflate_input(stream, client=client))
        seed("deflate", f"{role}-no-context-takeover", deflate_input(f(0xC1, whole) + f(0xC1, whole), client=client, no_context=True))
        seed("deflate", f"{role}-streaming", deflate_input(takeover, client=client, flags=2, plan=(7, 30)))
        seed("deflate", f"{role}-bomb-small-limit", deflate_input(f(0xC2, deflate(b"\x00" * 4096)), client=client, flags=32, limits=(255, 100)))

    # Sec-WebSocket-Extensions: offers, an empty line, responses (tests/Ws101.Tests/Compression/NegotiationTests.cs).
    extension_cases = {
        "chromium": "permessage-deflate; client_max_window_bits\n\npermessage-deflate",
        "firefox": "permessage-deflate\n\npermessage-deflate; server_no_context_takeover",
        "python": "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12\n\n"
                  "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        "several-offers": "permessage-deflate; server_max_window_bits=10, permessage-deflate\nx-webkit-deflate-frame\n\n"
                          "permessage-deflate; server_max_window_bits=10",
        "quoted": "permessage-deflate; client_max_window_bits=\"10\"\n\npermessage-deflate; client_max_window_bits=\"9\"",
        "duplicate-parameter": "permessage-deflate; server_no_context_takeover; server_no_context_takeover\n\n",
        "bad-window": "permessage-deflate; server_max_window_bits=08\n\npermessage-deflate; server_max_window_bits=16",
        "unknown-parameter": "permessage-deflate; foo=bar\n\npermessage-deflate; client_max_window_bits",
        "syntax-errors": "permessage-deflate;;\n, ,permessage-deflate\n\n\"quoted\"; a=\"b\\\"",
    }
    for name, text in extension_cases.items():
        seed("extensions", name, "\x00" + text)
    seed("extensions", "server-options", "\x06" + extension_cases["chromium"])
    seed("extensions", "compression-off", "\x01" + extension_cases["chromium"])

    # Backplane envelopes (src/Ws101/PubSub/BackplaneEnvelope.cs): version 1, then the checks' failures.
    def envelope(topic=b"chat/room-1", payload=b"hello", text=True, magic=0xB5, version=1, flags=None, topic_length=None):
        node = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e").bytes
        return (bytes([magic, version, (1 if text else 0) if flags is None else flags, 0]) + node + struct.pack(">Q", 42)
                + struct.pack(">H", len(topic) if topic_length is None else topic_length) + topic + payload)
    backplane_cases = {
        "text": envelope(),
        "binary": envelope(payload=bytes(range(256)), text=False),
        "empty-payload": envelope(payload=b""),
        "utf8-topic": envelope(topic="café/☕".encode()),
        "bad-magic": envelope(magic=0xB4),
        "bad-version": envelope(version=2),
        "unknown-flags": envelope(flags=3),
        "topic-too-long": envelope(topic_length=1025),
        "topic-past-end": envelope(topic_length=200),
        "topic-not-utf8": envelope(topic=b"\xff"),
        "text-not-utf8": envelope(payload=b"\xc3"),
        "short": envelope()[:29],
    }
    for name, data in backplane_cases.items():
        seed("backplane", name, data)


def har_entry(url, request_headers, status, response_headers, extra=None, version="HTTP/1.1", method="GET"):
    entry = {"request": {"method": method, "url": url, "httpVersion": version,
                         "headers": [{"name": n, "value": v} for n, v in request_headers]},
             "response": {"status": status, "statusText": "", "httpVersion": version,
                          "headers": [{"name": n, "value": v} for n, v in response_headers],
                          "content": {"size": 0, "mimeType": "x-unknown"}}}
    entry.update(extra or {})
    return entry


def har_seeds():
    """Small HARs in the shapes Chromium (DevTools, Playwright) and Firefox write (the full ones are test fixtures)."""
    import json
    upgrade = [("Host", "a.example"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Key", RFC_KEY), ("Sec-WebSocket-Version", "13"), ("Cookie", "s=1")]
    accepted = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept_of(RFC_KEY))]
    hars = {
        "devtools-good": [har_entry("wss://a.example/s", upgrade, 101, accepted, {
            "_resourceType": "websocket", "_webSocketMessages": [
                {"type": "send", "time": 1733389200.5, "opcode": 1, "data": "h\u00e9"},
                {"type": "receive", "time": 1733389201.25, "opcode": 2, "data": "AAECAw=="},
                {"type": "receive", "time": 1733389202, "opcode": 8, "data": "A+hieWU="}]})],
        "devtools-error-frame": [har_entry("wss://a.example/s?token=t", upgrade, 0, [], {
            "_resourceType": "websocket", "_webSocketMessages": [
                {"type": "error", "time": 1733389205.01, "opcode": -1,
                 "data": "Error during WebSocket handshake: Unexpected response code: 403"}]})],
        "playwright-failure-text": [har_entry("ws://127.0.0.1:1/b", upgrade, -1, [], {
            "_resourceType": "websocket"})],
        "firefox-200": [har_entry("https://a.example/ws", upgrade, 200, [("Content-Type", "text/html")])],
        "h2-connect": [har_entry("https://a.example/s", [(":protocol", "websocket"), ("sec-websocket-version", "13")], 200, [],
                                 version="HTTP/2", method="CONNECT")],
    }
    hars["playwright-failure-text"][0]["response"]["_failureText"] = "Error during WebSocket handshake: net::ERR_CONNECTION_CLOSED"
    hars["firefox-200"][0]["response"]["content"] = {"mimeType": "text/html", "text": "<!DOCTYPE html>" + "x" * 300}
    for name, entries in hars.items():
        text = json.dumps({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "entries": entries}})
        seed("har", name, "\x00" + text)
    # The same cut into chunks of 1, 7 and 64 bytes, and with a byte order mark.
    seed("har", "devtools-good-chunked", "\x03\x00\x06\x3f" + json.dumps({"log": {"entries": hars["devtools-good"]}}))
    seed("har", "bom", "\x00\xef\xbb\xbf" + json.dumps({"log": {"entries": hars["h2-connect"]}}))
    seed("har", "not-a-har", "\x00[1,2]")


def console_seeds():
    """Console lines as Chromium 156 and Firefox print them (tests/Ws101.Interop/Cli/BrowserConsoleErrorTests.cs)."""
    prefix = "WebSocket connection to 'ws://127.0.0.1:8080/x' failed: "
    lines = {
        "status-200": prefix + "Error during WebSocket handshake: Unexpected response code: 200",
        "accept": prefix + "Error during WebSocket handshake: Incorrect 'Sec-WebSocket-Accept' header value",
        "net-error": prefix + "Error during WebSocket handshake: net::ERR_CONNECTION_CLOSED",
        "masked": prefix + "A server must not mask any frames that it sends to the client.",
        "closed-early": prefix + "WebSocket is closed before the connection is established.",
        "firefox": "Firefox can\u2019t establish a connection to the server at wss://a.example/socket.",
        "copy-with-stack": "app.js:12 " + prefix + "Unrecognized frame opcode: 3\n(anonymous) @ app.js:12\n",
    }
    for name, text in lines.items():
        seed("browser-console", name, b"\x00" + text.encode("utf-8"))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    out = sys.argv[1]
    crafted()
    clients, servers = captured()
    for target, files in sorted(seeds.items()):
        os.makedirs(os.path.join(out, target), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(out, target, name), "wb") as f:
                f.write(data)
    print(f"seeds: captured {', '.join(sorted(clients))} as clients and {', '.join(sorted(servers))} as servers")
    print("seeds: " + ", ".join(f"{t} {len(f)}" for t, f in sorted(seeds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
