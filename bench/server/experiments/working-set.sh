#!/usr/bin/env bash
# An experiment, not part of the bench (docs/performance.md, "The floor in a quiet hour"): is what ws101 costs above the
# floor per message a working-set effect? ws101 serve and the floor (bench/server/floor.c) are measured alternately at
# SIZE bytes with each connection count of CONNS (default "10 100"), R rounds (4): if the gap were cache misses on
# per-connection objects, it would shrink with fewer connections. Prints, per point, messages/s and server user+system
# time per message (µs) from wsbench's getrusage figures.
#
#   bench/server/experiments/working-set.sh            # after bench/server/run.sh has built into $BUILD
#   R=6 SIZE=20 CONNS="4 16 100" bench/server/experiments/working-set.sh
#
# Uses run.sh's build folder (BUILD, default /tmp/ws101-bench-build: ws101/Ws101.Cli, floor, anchors/wsbench); servers on
# CPU 0, load on CPU 1, ports 19301-19302 on 127.0.0.1; only the processes started here are stopped, by process group.
set -euo pipefail
BUILD=${BUILD:-/tmp/ws101-bench-build}
WSB=$BUILD/anchors/wsbench
for f in "$BUILD/ws101/Ws101.Cli" "$BUILD/floor" "$WSB"; do [ -x "$f" ] || { echo "missing $f: run bench/server/run.sh first" >&2; exit 2; }; done
setsid taskset -c 0 "$BUILD/ws101/Ws101.Cli" serve --port 19301 --quiet > /dev/null 2>&1 < /dev/null & G1=$!
setsid taskset -c 0 "$BUILD/floor" 19302 > /dev/null 2>&1 < /dev/null & G2=$!
trap 'kill -- -$G1 -$G2 2>/dev/null || true' EXIT
pid_on() { for _ in $(seq 1 100); do p=$(ss -ltnpH "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1); [ -n "$p" ] && { echo "$p"; return; }; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }
P1=$(pid_on 19301); P2=$(pid_on 19302)
export WS_PATH=/echo
timeout 30 taskset -c 1 "$WSB" echo -p 19301 -c 100 -s 1024 -w 0 -d 8 -q > /dev/null   # ws101's JIT warm-up
echo "round conns server msgs/s usr_us_per_msg total_us_per_msg"
for r in $(seq 1 "${R:-4}"); do
  for c in ${CONNS:-10 100}; do
    for s in ws101:19301:$P1 floor:19302:$P2; do
      IFS=: read -r name port pid <<< "$s"
      line=$(timeout 30 taskset -c 1 "$WSB" echo -p "$port" -c "$c" -s "${SIZE:-1024}" -w 2 -d 5 -q -P "$pid" | grep RESULT)
      echo "$line" | awk -v r="$r" -v c="$c" -v n="$name" '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}
        printf "%s %s %s %d %.2f %.2f\n", r, c, n, v["msgs_per_s"], v["srv_usr"]/v["msgs_per_s"]*1e6, (v["srv_usr"]+v["srv_sys"])/v["msgs_per_s"]*1e6}'
    done
  done
done
