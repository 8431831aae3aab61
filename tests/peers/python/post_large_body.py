"""Posts a large body with urllib, which sends the whole request before it reads the answer, and prints what came back.

    post_large_body.py URL BYTES TIMES

One line per attempt: the HTTP status (urllib raises HTTPError for it), or "error TYPE: MESSAGE" when the connection
failed instead (a reset under the answer gives BrokenPipeError or ConnectionResetError). Each attempt is bounded by a
20 s timeout.
"""
import sys
import urllib.error
import urllib.request

url, size, times = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = b"{" + b" " * (size - 2) + b"}"
for _ in range(times):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            print(response.status, flush=True)
    except urllib.error.HTTPError as e:
        print(e.code, flush=True)
    except Exception as e:  # the failure under test: report it, do not stop
        print(f"error {type(e).__name__}: {e}", flush=True)
