#!/usr/bin/env python3
"""Ws101 interop peer built on Python's `websockets` (Debian's python3-websockets, 10.x).

One program, two modes, the same command line and JSON-lines protocol as tests/peers/node/peer.js:

    python3 peer.py server [--port 0] [--config JSON|-]   echo server on 127.0.0.1
    python3 peer.py client --url URL [--config JSON|-]    scripted client

Everything it sees is written to stdout as JSON lines (docs/testing.md, "JSON-lines protocol").
Diagnostics go to stderr. Every wait is bounded: a step waits at most stepTimeoutMs, the whole
client run at most timeoutMs, and a server lives at most lifetimeMs (and exits when its stdin
closes, so it never outlives the test that started it).

This uses the asyncio API that websockets 10.4 offers (websockets.serve / websockets.connect).
That version answers pings inside the library; the protocol subclass below reports each one as
it answers it (the library calls its public pong() method to do so).
"""

import argparse
import asyncio
import base64
import hashlib
import json
import ssl
import sys
import threading

import websockets

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 2
EXIT_USAGE = 64


class StepTimeout(Exception):
    """A step waited longer than its bound."""


def emit(event):
    sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(message):
    sys.stderr.write(f"[python-peer] {message}\n")
    sys.stderr.flush()


def with_defaults(config, mode):
    timeout_ms = config.get("timeoutMs", 20000)
    return {
        "steps": config.get("steps", []),
        "echo": mode == "server" if config.get("echo") is None else bool(config["echo"]),
        "echoFragments": config.get("echoFragments", 1),
        "perMessageDeflate": bool(config.get("perMessageDeflate", False)),
        "protocols": config.get("protocols", []),
        "headers": config.get("headers", {}),
        "replaceHeaders": config.get("replaceHeaders", {}),
        "origin": config.get("origin"),
        "tls": config.get("tls"),
        "ca": config.get("ca"),
        "maxMessageBytes": config.get("maxMessageBytes", 64 * 1024 * 1024),
        "timeoutMs": timeout_ms,
        "stepTimeoutMs": config.get("stepTimeoutMs", timeout_ms),
        "lifetimeMs": config.get("lifetimeMs", 120000),
    }


def payload(kind, size):
    """The deterministic payloads every peer and the C# harness agree on."""
    if kind == "text":
        return bytes(32 + (i * 7) % 95 for i in range(size))
    return bytes((i * 31 + 7) & 0xFF for i in range(size))


def step_bytes(step):
    if "text" in step:
        return step["text"].encode("utf-8")
    if "base64" in step:
        return base64.b64decode(step["base64"])
    return payload(step.get("type", "text"), step.get("size", 0))


def describe(data, is_text):
    event = {"type": "text" if is_text else "binary", "length": len(data),
             "sha256": hashlib.sha256(data).hexdigest()}
    if is_text and len(data) <= 1024:
        event["text"] = data.decode("utf-8")
    return event


def split(items, count):
    """Splits a str or bytes into `count` nearly equal chunks (at least one, possibly empty)."""
    n = max(1, int(count))
    size = -(-len(items) // n)
    return [items[min(i * size, len(items)):min((i + 1) * size, len(items))] for i in range(n)]


async def send_message(ws, data, is_text, fragments):
    message = data.decode("utf-8") if is_text else data
    if fragments <= 1:
        await ws.send(message)
    else:
        await ws.send(split(message, fragments))


async def bounded(awaitable, ms, what):
    try:
        return await asyncio.wait_for(awaitable, ms / 1000)
    except asyncio.TimeoutError:
        raise StepTimeout(f"timed out after {ms} ms waiting for {what}") from None


def reporting_pings(protocol_class, replace_headers=None):
    """A protocol class that reports each ping it answers (websockets answers them by calling pong()).

    A client's replace_headers take the place of the request headers websockets writes itself (extra_headers
    can only add), so that a test can send what a broken client sends, such as another Sec-WebSocket-Version."""

    class ReportingPings(protocol_class):
        ws101_session = None
        # A ping can arrive (and be answered) before the Session is attached, right after the
        # handshake: its length waits here and is reported when the Session attaches.
        ws101_early_pings = None

        async def pong(self, data=b""):
            if self.ws101_session is not None:
                self.ws101_session.emit({"event": "ping", "length": len(data)})
            else:
                self.ws101_early_pings = (self.ws101_early_pings or []) + [len(data)]
            await super().pong(data)

        def write_http_request(self, path, headers):
            for name, value in (replace_headers or {}).items():
                del headers[name]
                headers[name] = value
            super().write_http_request(path, headers)

    return ReportingPings


class Session:
    """One connection: records what arrives, echoes when asked, and runs the script's steps."""

    def __init__(self, ws, config, conn):
        self.ws = ws
        self.config = config
        self.conn = conn
        self.inbox = asyncio.Queue()
        self.closed = asyncio.get_running_loop().create_future()
        ws.ws101_session = self
        for length in getattr(ws, "ws101_early_pings", None) or []:
            self.emit({"event": "ping", "length": length})
        self.reader = asyncio.ensure_future(self.read())

    def emit(self, event):
        emit(event if self.conn is None else {"conn": self.conn, **event})

    async def read(self):
        try:
            async for message in self.ws:
                is_text = isinstance(message, str)
                data = message.encode("utf-8") if is_text else message
                self.emit({"event": "message", **describe(data, is_text)})
                if self.config["echo"]:
                    await send_message(self.ws, data, is_text, self.config["echoFragments"])
                self.inbox.put_nowait(data)
        except websockets.ConnectionClosed:
            pass
        except Exception as error:  # report, never hang
            self.emit({"event": "error", "message": f"{type(error).__name__}: {error}"})
        await self.ws.wait_closed()
        code = self.ws.close_code if self.ws.close_code is not None else 1006
        reason = self.ws.close_reason or ""
        self.emit({"event": "close", "code": code, "reason": reason})
        if not self.closed.done():
            self.closed.set_result((code, reason))

    async def unless_closed(self, awaitable, what):
        """Fails at once, instead of at the timeout, when the connection closes first."""
        task = asyncio.ensure_future(awaitable)
        await asyncio.wait([task, self.closed], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        task.cancel()
        code, reason = self.closed.result()
        raise ConnectionError(f"the connection closed ({code} {reason!r}) while waiting for {what}")

    async def run_step(self, step):
        ms = step.get("timeoutMs", self.config["stepTimeoutMs"])
        op = step.get("op")
        if op == "send":
            data = step_bytes(step)
            is_text = step.get("type", "text") == "text"
            fragments = max(1, step.get("fragments", 1))
            await bounded(send_message(self.ws, data, is_text, fragments), ms, "a send")
            self.emit({"event": "sent", **describe(data, is_text), "fragments": fragments})
        elif op == "receive":
            for _ in range(step.get("count", 1)):
                await bounded(self.unless_closed(self.inbox.get(), "a message"), ms, "a message")
        elif op == "ping":
            data = step_bytes({"type": "binary", **step})
            waiter = await self.ws.ping(data)
            self.emit({"event": "sent_ping", "length": len(data)})
            await bounded(self.unless_closed(waiter, "a pong"), ms, "a pong")
            self.emit({"event": "pong", "length": len(data)})
        elif op == "close":
            if "code" in step:
                await bounded(self.ws.close(step["code"], step.get("reason", "")), ms, "the closing handshake")
            else:
                await bounded(self.ws.close(), ms, "the closing handshake")
            await bounded(asyncio.shield(self.closed), ms, "the closing handshake")
        elif op == "wait_close":
            await bounded(asyncio.shield(self.closed), ms, "the peer to close")
        elif op == "sleep":
            await asyncio.sleep(min(step.get("ms", 0), ms) / 1000)
        elif op == "terminate":
            self.ws.transport.abort()
        else:
            raise ValueError(f"unknown step op {op!r}")

    async def run_steps(self):
        for step in self.config["steps"]:
            await self.run_step(step)


def stdin_closed(loop):
    """A future that completes when our stdin reaches end of file (the test wants us gone)."""
    done = loop.create_future()

    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))

    threading.Thread(target=watch, daemon=True).start()
    return done


async def run_server(args, config):
    loop = asyncio.get_running_loop()
    counter = {"next": 1}

    async def handler(ws, path=None):
        conn = counter["next"]
        counter["next"] += 1
        session = Session(ws, config, conn)
        headers = {k.lower(): v for k, v in ws.request_headers.raw_items()}
        session.emit({"event": "open", "path": ws.path, "protocol": ws.subprotocol or "",
                      "extensions": ws.response_headers.get("Sec-WebSocket-Extensions", ""),
                      "headers": headers})
        try:
            await session.run_steps()
            await session.closed
        except Exception as error:
            session.emit({"event": "error", "message": f"{type(error).__name__}: {error}"})
            ws.transport.abort()

    context = None
    if config["tls"]:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(config["tls"]["cert"], config["tls"]["key"])
    server = await websockets.serve(
        handler, "127.0.0.1", args.port, ssl=context,
        create_protocol=reporting_pings(websockets.WebSocketServerProtocol),
        compression="deflate" if config["perMessageDeflate"] else None,
        subprotocols=config["protocols"] or None,
        max_size=config["maxMessageBytes"])
    port = server.sockets[0].getsockname()[1]
    emit({"event": "listening", "port": port, "url": f"{'wss' if context else 'ws'}://127.0.0.1:{port}/"})
    try:
        await asyncio.wait_for(stdin_closed(loop), config["lifetimeMs"] / 1000)
    except asyncio.TimeoutError:
        log(f"lifetime of {config['lifetimeMs']} ms is over; exiting")
        return EXIT_TIMEOUT
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)
    emit({"event": "stopped"})
    return EXIT_OK


async def run_client(args, config):
    context = None
    if args.url.startswith("wss:"):
        context = ssl.create_default_context(cafile=config["ca"]) if config["ca"] else ssl.create_default_context()
    ms = config["stepTimeoutMs"]
    try:
        ws = await bounded(websockets.connect(
            args.url, ssl=context,
            create_protocol=reporting_pings(websockets.WebSocketClientProtocol, config["replaceHeaders"]),
            compression="deflate" if config["perMessageDeflate"] else None,
            subprotocols=config["protocols"] or None,
            extra_headers=config["headers"] or None,
            origin=config["origin"],
            max_size=config["maxMessageBytes"],
            open_timeout=ms / 1000), ms, "the opening handshake")
    except websockets.InvalidStatusCode as error:
        emit({"event": "error", "message": f"handshake failed with HTTP {error.status_code}",
              "status": error.status_code})
        return EXIT_FAILED
    session = Session(ws, config, None)
    emit({"event": "open", "protocol": ws.subprotocol or "",
          "extensions": ws.response_headers.get("Sec-WebSocket-Extensions", "")})
    await session.run_steps()
    if not session.closed.done():
        await bounded(ws.close(1000, ""), ms, "the closing handshake")
        await bounded(asyncio.shield(session.closed), ms, "the closing handshake")
    emit({"event": "done"})
    return EXIT_OK


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--url")
    parser.add_argument("--config", default="{}")
    args = parser.parse_args()
    try:
        raw = sys.stdin.read() if args.config == "-" else args.config
        config = with_defaults(json.loads(raw), args.mode)
    except ValueError as error:
        log(f"usage error: {error}")
        return EXIT_USAGE
    if args.mode == "server" and args.config == "-":
        log("usage error: --config - (stdin) is for client mode; a server's stdin is its stop signal")
        return EXIT_USAGE
    if args.mode == "client" and not args.url:
        log("usage error: client mode needs --url")
        return EXIT_USAGE

    async def run():
        if args.mode == "server":
            return await run_server(args, config)
        try:
            return await bounded(run_client(args, config), config["timeoutMs"], "the whole client run")
        except StepTimeout as error:
            emit({"event": "error", "message": str(error)})
            return EXIT_TIMEOUT

    try:
        return asyncio.run(run())
    except StepTimeout as error:
        emit({"event": "error", "message": str(error)})
        return EXIT_TIMEOUT
    except Exception as error:
        emit({"event": "error", "message": f"{type(error).__name__}: {error}"})
        log(repr(error))
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
