#!/usr/bin/env python3
"""paired.py - the table of bench/server/paired.sh: server CPU per echoed message, messages per second, per-round ratios.

    paired.py PAIRED_TXT [ANCHOR]

Each line of PAIRED_TXT is "ROUND SERVER POINT key=value..." (wsbench's or tlsload's RESULT fields). For each point (in
the order they were measured): every server's median CPU per message over the rounds (range), then each server's ratio
to ANCHOR (default kestrel_inline) taken within each round (the two measurements seconds apart) with the median and
range of those ratios, and ws101's ratio to floor the same way when both ran (below 1.0 the server costs less than the
anchor). Then the same for messages per second, the wss:// target's measure (above 1.0 the server echoed more).
"""
import statistics as st
import sys

path = sys.argv[1]
anchor = sys.argv[2] if len(sys.argv) > 2 else "kestrel_inline"

cost = {}  # (point, server) -> {round: µs per message}
rate = {}  # (point, server) -> {round: messages per second}
order = []
points = []
for line in open(path):
    parts = line.split()
    if len(parts) < 3:
        continue
    rnd, server, point = parts[0], parts[1], parts[2]
    kv = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
    if server not in order:
        order.append(server)
    if point not in points:
        points.append(point)
    if "failed" in kv or float(kv.get("msgs_per_s", 0)) <= 0:
        continue
    us = (float(kv["srv_usr"]) + float(kv["srv_sys"])) / float(kv["msgs_per_s"]) * 1e6
    cost.setdefault((point, server), {})[rnd] = us
    rate.setdefault((point, server), {})[rnd] = float(kv["msgs_per_s"])


def spread(values, fmt):
    if not values:
        return "-"
    return f"{fmt(st.median(values))} ({fmt(min(values))}-{fmt(max(values))}, n={len(values)})"


def ratios(point, server, base, of=cost):
    mine, theirs = of.get((point, server), {}), of.get((point, base), {})
    return [mine[r] / theirs[r] for r in mine if r in theirs]


def medians(title, of, fmt):
    print(f"{title}: median over rounds (range)")
    for point in points:
        print(f"  {point}")
        for server in order:
            print(f"    {server:16} {spread(list(of.get((point, server), {}).values()), fmt)}")


def to_anchor(title, of):
    print(f"{title} to {anchor} within each round: median (range); {'below 1.0 costs less' if of is cost else 'above 1.0 echoed more'}")
    for point in points:
        print(f"  {point}")
        for server in order:
            if server != anchor:
                print(f"    {server:16} {spread(ratios(point, server, anchor, of), lambda v: f'{v:.2f}x')}")


medians("server CPU per echoed message, µs", cost, lambda v: f"{v:.1f}")
print()
to_anchor("ratio", cost)
if "ws101" in order and "floor" in order:
    print()
    print("ws101 to floor within each round (above 1.0: what ws101 costs above the floor)")
    for point in points:
        print(f"  {point:12} {spread(ratios(point, 'ws101', 'floor'), lambda v: f'{v:.2f}x')}")
print()
medians("messages per second", rate, lambda v: f"{v:,.0f}")
print()
to_anchor("messages per second", rate)
