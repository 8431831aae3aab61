#!/usr/bin/env bash
# bench/load/vs-wsbench.sh - how much load `ws101 bench echo` drives from one core, beside the C load generator
# wsbench (../shared/wsbench), against the same server on the same machine: server pinned to CPU 0, the load to CPU 1,
# rounds interleaved (wsbench, ws101 bench, wsbench, ...; the order flips every round), medians and ratios printed.
#
#   bench/load/vs-wsbench.sh [ROUNDS] [SECONDS] [--kestrel]
#
# Defaults: 3 rounds of 5 s (2 s warm-up) per generator, 100 connections, 20 B and 1 KiB, against `ws101 serve`;
# --kestrel adds the Kestrel anchor (inline socket completions). Everything runs on 127.0.0.1, every step bounded.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WSB="${WSBENCH_DIR:-$ROOT/../shared/wsbench}"
ROUNDS=3 SECS=5 KESTREL=0
for a in "$@"; do
  case "$a" in
    --kestrel) KESTREL=1 ;;
    [0-9]*) if [ "$ROUNDS" = 3 ] && [ -z "${SET_ROUNDS:-}" ]; then ROUNDS="$a"; SET_ROUNDS=1; else SECS="$a"; fi ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
done
[ -f "$WSB/wsbench.c" ] || { echo "no wsbench at $WSB (set WSBENCH_DIR)" >&2; exit 2; }
BUILD="${BENCH_BUILD:-/tmp/ws101-load-build}"
OUT="${BENCH_OUT:-/tmp/ws101-load-results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$BUILD" "$OUT"
gcc -O2 -o "$BUILD/wsbench" "$WSB/wsbench.c"
dotnet publish "$ROOT/src/Ws101.Cli" -c Release -o "$BUILD/ws101" --nologo -v q > "$BUILD/publish.log" 2>&1 || { cat "$BUILD/publish.log"; exit 1; }
if [ "$KESTREL" = 1 ] && [ ! -x "$BUILD/anchors/kestrel/KestrelEcho" ]; then
  "$WSB/build-anchors.sh" "$BUILD/anchors" > "$BUILD/anchors.log" 2>&1 || { cat "$BUILD/anchors.log"; exit 1; }
fi

SRV=""
start() { # name port command...
  local name=$1 port=$2; shift 2
  if ss -ltnH "sport = :$port" | grep -q .; then echo "port $port is in use" >&2; exit 1; fi
  setsid taskset -c 0 "$@" > "$OUT/$name.server.log" 2>&1 < /dev/null &
  SRV=$!
  for _ in $(seq 1 100); do ss -ltnH "sport = :$port" | grep -q . && return 0; sleep 0.1; done
  echo "$name did not listen on $port" >&2; stop; exit 1
}
# An if, not "[ ... ] &&": as the EXIT trap's last command, a false test would become the script's exit status.
stop() { if [ -n "$SRV" ]; then kill -TERM -- "-$SRV" 2>/dev/null || true; for _ in $(seq 1 50); do kill -0 -- "-$SRV" 2>/dev/null || break; sleep 0.1; done; kill -KILL -- "-$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; SRV=""; fi; }
trap 'stop; exit 130' INT TERM
trap stop EXIT

run_pair() { # name port path size round
  local name=$1 port=$2 path=$3 size=$4 round=$5 w b
  w() { timeout $((SECS + 60)) taskset -c 1 "$BUILD/wsbench" echo -p "$port" -u "$path" -c 100 -s "$size" -w 2 -d "$SECS" -q \
        | sed -n "s/^RESULT /$name $size wsbench /p" >> "$OUT/raw.txt"; }
  b() { local f="$OUT/ws101-$name-$size-$round.json"
        timeout $((SECS + 60)) taskset -c 1 "$BUILD/ws101/Ws101.Cli" bench echo "ws://127.0.0.1:$port$path" -c 100 -s "$size" -w 2 -d "$SECS" --json > "$f" 2>/dev/null || true
        python3 - "$name" "$size" "$f" >> "$OUT/raw.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[3]))["targets"][0]["rounds"][0]
print(f"{sys.argv[1]} {sys.argv[2]} ws101 msgs_per_s={r['messagesPerSecond']:.0f} cli_cpu={r['clientCpuCores']:.2f} errors={r['errors']}")
PY
  }
  if [ $((round % 2)) = 1 ]; then w; b; else b; w; fi
}

servers=("ws101|19120|/echo|$BUILD/ws101/Ws101.Cli serve --port 19120 --quiet")
[ "$KESTREL" = 1 ] && servers+=("kestrel_inline|19121|/|env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 $BUILD/anchors/kestrel/KestrelEcho 19121")
: > "$OUT/raw.txt"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"
for entry in "${servers[@]}"; do
  IFS='|' read -r name port path cmd <<< "$entry"
  # shellcheck disable=SC2086
  start "$name" "$port" $cmd
  timeout 60 taskset -c 1 "$BUILD/wsbench" echo -p "$port" -u "$path" -c 100 -s 1024 -w 0 -d 5 -q > /dev/null 2>&1 || true   # JIT warm-up
  for r in $(seq 1 "$ROUNDS"); do
    for size in 20 1024; do run_pair "$name" "$port" "$path" "$size" "$r"; done
  done
  stop
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
python3 - "$OUT/raw.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    server, size, gen, rest = line.split(" ", 3)
    kv = dict(re.findall(r"(\w+)=([\d.]+)", rest))
    rows.setdefault((server, int(size)), {}).setdefault(gen, []).append((float(kv["msgs_per_s"]), float(kv["cli_cpu"])))
print("| server | size | wsbench msgs/s | ws101 bench msgs/s | ws101/wsbench | client µs per msg: wsbench | ws101 bench |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for (server, size), gens in sorted(rows.items()):
    w, b = gens.get("wsbench", []), gens.get("ws101", [])
    if not w or not b: continue
    mw, mb = statistics.median(x for x, _ in w), statistics.median(x for x, _ in b)
    cw = statistics.median(c / x * 1e6 for x, c in w if x > 0)
    cb = statistics.median(c / x * 1e6 for x, c in b if x > 0)
    rng = lambda v: f"{min(v):,.0f}-{max(v):,.0f}"
    print(f"| {server} | {size} B | {mw:,.0f} ({rng([x for x,_ in w])}) | {mb:,.0f} ({rng([x for x,_ in b])}) | {mb/mw:.2f}x | {cw:.1f} | {cb:.1f} |")
PY
echo "raw results: $OUT/raw.txt"
