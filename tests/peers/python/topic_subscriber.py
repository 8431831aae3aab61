"""A Python `websockets` subscriber for the topics tests: connects to URL, prints "ready", receives COUNT text
messages "PUBLISHER:SEQ", and prints "ok COUNT" when every publisher's sequence numbers arrived once and in order
(0, 1, 2, ...), or "error ..." otherwise. Bounded by TIMEOUT seconds.

    python3 topic_subscriber.py URL COUNT TIMEOUT
"""
import asyncio
import sys

import websockets


async def main(url, count, timeout):
    async with websockets.connect(url, max_size=None) as ws:
        print("ready", flush=True)
        expected = {}
        got = 0
        async with asyncio.timeout(timeout):
            while got < count:
                text = await ws.recv()
                publisher, seq = text.split(":")
                if int(seq) != expected.get(publisher, 0):
                    print(f"error {publisher}: got {seq}, expected {expected.get(publisher, 0)}", flush=True)
                    return
                expected[publisher] = int(seq) + 1
                got += 1
        print(f"ok {got}", flush=True)


try:
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
except TimeoutError:
    print("error timeout", flush=True)
