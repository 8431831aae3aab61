#!/usr/bin/env python3
"""ratios.py - ws101's figures as ratios to each anchor, from one run-all.sh results folder.

    ratios.py [--tls] RESULTS_DIR [SERVER] [ANCHOR...]

Throughput ratios are ws101 / anchor (higher is better); CPU and memory ratios are anchor / ws101
(higher is better too), so every ratio above 1.0 means ws101 is ahead. Medians over the rounds.
--tls: the results of the tls part (wss://), whose target is 1.3x Kestrel with inline completions on echo throughput.

A throughput row is then flagged when the load generator used (in the median round) at least 0.95 of its core against a
server in the row: such a rate is the generator's, not the server's (a TLS handshake costs the load generator about as
much as a fast server), and the server CPU row of the same point is the figure to read.
"""
import glob, os, statistics as st, sys

tls = "--tls" in sys.argv
argv = [a for a in sys.argv[1:] if a != "--tls"]
results = argv[0]
me = argv[1] if len(argv) > 1 else "ws101"
anchors = argv[2:] or ["kestrel", "kestrel_inline"]

data = {}
for f in glob.glob(os.path.join(results, "**", "raw.txt"), recursive=True):
    name = os.path.basename(os.path.dirname(f))
    for line in open(f):
        parts = line.split()
        if len(parts) < 2:
            continue
        kv = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
        if "failed" in kv:
            continue
        data.setdefault(name, {}).setdefault(parts[0], []).append(kv)

def median(name, label, key):
    vals = [float(r[key]) for r in data.get(name, {}).get(label, []) if key in r]
    return st.median(vals) if vals else None

def cpu_per(name, label, per):
    vals = [(float(r["srv_usr"]) + float(r["srv_sys"])) / float(r[per]) * 1e6
            for r in data.get(name, {}).get(label, []) if per in r and float(r[per]) > 0]
    return st.median(vals) if vals else None

def rate(key):
    return lambda n, point: median(n, point, key)

def cpu(per):
    return lambda n, point: cpu_per(n, point, per)

# (row, the point it reads, how, higher is better, target)
rows = [
    ("echo 20 B msgs/s", "echo_20", rate("msgs_per_s"), True, 1.3),
    ("echo 1 KiB msgs/s", "echo_1024", rate("msgs_per_s"), True, 1.3),
    ("echo 16 KiB msgs/s", "echo_16384", rate("msgs_per_s"), True, 1.3 if tls else 1.5),
    ("echo 1 MiB MiB/s", "echo_1048576", rate("MiB_per_s"), True, None),
    ("handshakes/s", "hs", rate("hs_per_s"), True, None if tls else 1.2),
    ("server CPU per 20 B echo", "echo_20", cpu("msgs_per_s"), False, None),
    ("server CPU per 1 KiB echo", "echo_1024", cpu("msgs_per_s"), False, None),
    ("server CPU per 16 KiB echo", "echo_16384", cpu("msgs_per_s"), False, None),
    ("server CPU per handshake", "hs", cpu("hs_per_s"), False, None),
    ("idle RSS per connection", "idle", rate("bytes_per_conn"), False, None),
]

# A load generator at (nearly) a whole core of its own cannot go faster: the point's rate is the generator's.
SATURATED = 0.95

def saturated(point):
    """The servers of this ratio whose load generator was saturated at this point, with its median CPU."""
    found = []
    for n in [me] + anchors:
        cli = median(n, point, "cli_cpu")
        if cli is not None and cli >= SATURATED:
            found.append(f"{n} {cli:.2f}")
    return found

# The targets are ratios to Kestrel: shown only when Kestrel is among the anchors (not against the floor or a build before).
show_targets = any(a.startswith("kestrel") for a in anchors)
header = f"{'ratio (>1: ' + me + ' ahead)':34}" + "".join(f"{a:>16}" for a in anchors) + (f"{'target':>10}" if show_targets else "")
print(header)
for label, point, how, higher_better, target in rows:
    mine = how(me, point)
    if mine is None and all(how(a, point) is None for a in anchors):
        continue  # a point this run did not measure (the tls part has no 1 KiB, 1 MiB or idle points)
    cells = []
    for a in anchors:
        theirs = how(a, point)
        if mine is None or theirs is None or mine == 0 or theirs == 0:
            cells.append(f"{'n/a':>16}")
        else:
            r = mine / theirs if higher_better else theirs / mine
            cells.append(f"{r:>15.2f}x")
    print(f"{label:34}" + "".join(cells) + (f"{'>= ' + str(target) + 'x':>10}" if target and show_targets else ""))
    if higher_better and (bound := saturated(point)):
        # The same point's server CPU row, which the generator's limit does not touch (the 1 MiB point has none).
        instead = next((row for row, p, _, hb, _ in rows if p == point and not hb), None)
        print(f"  ^ load-bound: the load generator used {', '.join(bound)} of its core; the rate is partly the generator's"
              + (f" (read '{instead}')" if instead else ""))
idle = median(me, "idle", "bytes_per_conn")
if idle is not None:
    print(f"{me} idle RSS per connection: {idle:,.0f} bytes (target <= 1,024, issue 16)")
