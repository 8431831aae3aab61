#!/usr/bin/env bash
# bench/reliability/connections.sh - many connections held and proven alive: 19,000 upgraded connections to one
# `ws101 serve`, then 50,000 to three `ws101 serve --reuse-port` sharing one port. For each run: the time to open them
# all, the servers' RSS per connection, a ping answered on every one, a close with 1000 on every one (the server's close
# frame and FIN counted), and the servers' RSS, descriptors and threads before, while holding, and after. Each run
# does this twice against the same servers and measures the second time: its baseline is a server that has served a
# round of the same size, so what the first round leaves for good (compiled code, the runtime's own tables) is not
# counted as connection memory kept after the close.
#
#   bench/reliability/connections.sh [--one N] [--many N] [--nodes K]
#
# The clients are wsload processes (wsload.c), at most 12,500 connections each (a process may hold 20,000 descriptors
# here), each on its own four source addresses 127.0.0.x so that ephemeral ports do not run out. Everything runs on
# 127.0.0.1, every wait is bounded, and only the processes started here are stopped, by pid. WS101_BIN=path/Ws101.Cli
# uses that build instead of publishing one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ONE=19000 MANY=50000 NODES=3 ROUNDS=3 PER_CLIENT=12500
while [ $# -gt 0 ]; do
  case "$1" in
    --one) ONE="$2"; shift ;;
    --many) MANY="$2"; shift ;;
    --nodes) NODES="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
  shift
done

echo "== building wsload and ws101 into $BUILD"
build
OUT="$BUILD/connections"
rm -rf "$OUT"; mkdir -p "$OUT"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), descriptor limit $(ulimit -n)"
FAILED=0

# round LABEL TOTAL PORT: opens TOTAL connections to the servers on PORT (wsload clients of PER_CLIENT each), pings each,
# closes each with 1000, then waits for the descriptors to come back and for the servers to give the surge's memory
# back. Sets OPEN_S, OPENED, FAILED_OPEN, SENT, ANSWERED, LOST, CLOSES, FRAMES, CODE1000, EOF_COUNT, CLIENTS and, per
# server (the caller's associative arrays), rss1 (held), fd1, th1 and held (descriptors gained).
round() {
  local label="$1" total="$2" port="$3"
  local logs=() nclients=$(( (total + PER_CLIENT - 1) / PER_CLIENT )) left="$total" src=2 start_ns
  CLIENTS=()
  start_ns=$(date +%s%N)
  for c in $(seq 1 "$nclients"); do
    local n=$(( left < PER_CLIENT ? left : PER_CLIENT ))
    left=$((left - n))
    "$BUILD/wsload" hold -p "$port" -u /echo -c "$n" -C 256 -S "$src:4" > "$OUT/$label-client-$c.log" 2>&1 &
    CLIENTS+=("$!"); PIDS+=("$!"); logs+=("$OUT/$label-client-$c.log")
    src=$((src + 4))
  done
  for l in "${logs[@]}"; do wait_lines "$l" '^OPENED' 1 600; done
  OPEN_S=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
  OPENED=0 FAILED_OPEN=0
  for l in "${logs[@]}"; do
    local line; line=$(grep '^OPENED' "$l")
    OPENED=$((OPENED + $(field "$line" open))); FAILED_OPEN=$((FAILED_OPEN + $(field "$line" failed)))
  done
  echo "opened $OPENED of $total in ${OPEN_S} s (failed $FAILED_OPEN)"
  sleep 5   # the servers' first keepalive work and any GC after the burst
  for s in "${servers[@]}"; do
    rss1[$s]=$(rss_kb "$s"); fd1[$s]=$(fds "$s"); th1[$s]=$(threads "$s")
    held[$s]=$(( fd1[$s] - fd0[$s] ))
  done

  echo "pinging every connection"
  for p in "${CLIENTS[@]}"; do kill -USR1 "$p"; done
  for l in "${logs[@]}"; do wait_lines "$l" '^PINGED' 1 120; done
  SENT=0 ANSWERED=0 LOST=0
  for l in "${logs[@]}"; do
    local line; line=$(grep '^PINGED' "$l")
    SENT=$((SENT + $(field "$line" sent))); ANSWERED=$((ANSWERED + $(field "$line" answered))); LOST=$((LOST + $(field "$line" lost)))
  done
  echo "pings answered: $ANSWERED of $SENT (connections lost while held: $LOST)"

  echo "closing every connection with 1000"
  local tc=$SECONDS
  for p in "${CLIENTS[@]}"; do kill -USR2 "$p"; done
  for l in "${logs[@]}"; do wait_lines "$l" '^CLOSED' 1 120; done
  CLOSES=0 FRAMES=0 CODE1000=0 EOF_COUNT=0
  for l in "${logs[@]}"; do
    local line; line=$(grep '^CLOSED' "$l")
    CLOSES=$((CLOSES + $(field "$line" sent))); FRAMES=$((FRAMES + $(field "$line" close_frames)))
    CODE1000=$((CODE1000 + $(field "$line" code1000))); EOF_COUNT=$((EOF_COUNT + $(field "$line" eof)))
  done
  echo "closed: $CLOSES sent, $FRAMES close frames back ($CODE1000 with 1000), $EOF_COUNT FINs, in $((SECONDS - tc)) s"
  for p in "${CLIENTS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "$OPENED" -eq "$total" ] && [ "$ANSWERED" -eq "$total" ] && [ "$CODE1000" -eq "$total" ] && [ "$EOF_COUNT" -eq "$total" ] && [ "$LOST" -eq 0 ] \
    || { echo "FAIL: not every connection was opened, answered its ping and closed with 1000"; FAILED=1; }

  # Descriptors come back at once; memory 10 s after the connections fell to a quarter of their peak
  # (WebSocketServerOptions.ReleaseMemoryAfterSurge), hence the wait after.
  local deadline=$((SECONDS + 60))
  for s in "${servers[@]}"; do
    while [ "$(fds "$s")" -gt $(( fd0[$s] + 8 )) ] && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
  done
  sleep 20
}

# run LABEL CONNECTIONS NODES
run() {
  local label="$1" total="$2" nodes="$3" port
  port=$(free_port)
  echo
  echo "== $label: $total connections to $nodes ws101 serve process(es) on 127.0.0.1:$port, $ROUNDS rounds"
  local servers=() reuse=()
  [ "$nodes" -gt 1 ] && reuse=(--reuse-port)
  for i in $(seq 1 "$nodes"); do
    start_serve "$OUT/$label-serve-$i.log" --port "$port" --quiet --stats 10 "${reuse[@]}"
    servers+=("$SERVE_PID")
    wait_banner "$OUT/$label-serve-$i.log"
  done
  wait_port "$port"
  declare -A rss0 fd0 th0 rss1 fd1 th1 held start_rss
  for s in "${servers[@]}"; do start_rss[$s]=$(rss_kb "$s"); fd0[$s]=$(fds "$s"); done

  # The baseline is a server that has served a round of the same size: the first round compiles every path the
  # connections take and grows the runtime's own structures (code, the GC's bookkeeping) to what this many connections
  # need, which stays. Connection memory that stayed after a close would show as growth from that baseline after the
  # second round: the first round's figures are printed, the second's are checked.
  local first_open_s="" after=""
  for r in $(seq 1 $((ROUNDS - 1))); do
    echo "-- round $r of $ROUNDS"
    round "$label-$r" "$total" "$port"
    [ -z "$first_open_s" ] && first_open_s="$OPEN_S"
    after="$after $(for s in "${servers[@]}"; do printf '%s ' "$(( $(rss_kb "$s") / 1024 ))"; done)MiB;"
  done
  echo "RSS after each round so far (per server):$after"
  for s in "${servers[@]}"; do rss0[$s]=$(rss_kb "$s"); fd0[$s]=$(fds "$s"); th0[$s]=$(threads "$s"); done
  echo "-- round $ROUNDS of $ROUNDS (measured)"
  round "$label" "$total" "$port"

  local rss2 fd2 th2 per
  printf '\n%-8s %12s %12s %12s %10s %12s %12s %12s %10s %10s %10s\n' server connections "RSS start" "RSS before" "RSS held" "bytes/conn" "RSS after" "peak RSS" "fds before" "fds held" "fds after"
  for s in "${servers[@]}"; do
    rss2=$(rss_kb "$s"); fd2=$(fds "$s"); th2=$(threads "$s")
    per=$(( held[$s] > 0 ? (rss1[$s] - rss0[$s]) * 1024 / held[$s] : 0 ))
    printf '%-8s %12s %9s MiB %9s MiB %6s MiB %12s %9s MiB %9s MiB %10s %10s %10s   threads %s -> %s -> %s\n' "$s" "${held[$s]}" \
      "$((start_rss[$s] / 1024))" "$((rss0[$s] / 1024))" "$((rss1[$s] / 1024))" "$per" "$((rss2 / 1024))" "$(( $(hwm_kb "$s") / 1024 ))" "${fd0[$s]}" "${fd1[$s]}" "$fd2" "${th0[$s]}" "${th1[$s]}" "$th2"
    if [ "$fd2" -gt $(( fd0[$s] + 8 )) ]; then echo "FAIL: server $s holds $fd2 descriptors after the close (baseline ${fd0[$s]})"; FAILED=1; fi
    # Near the baseline: at least two thirds of what the connections took is given back.
    echo "         gave back $(( (rss1[$s] - rss2) * 100 / (rss1[$s] - rss0[$s] > 0 ? rss1[$s] - rss0[$s] : 1) )) % of the RSS the connections took"
    if [ $(( (rss2 - rss0[$s]) * 3 )) -gt $(( rss1[$s] - rss0[$s] )) ]; then echo "FAIL: server $s holds $((rss2 / 1024)) MiB after the close (baseline $((rss0[$s] / 1024)) MiB, $((rss1[$s] / 1024)) MiB held)"; FAILED=1; fi
    if ! kill -0 "$s" 2>/dev/null; then echo "FAIL: server $s died"; FAILED=1; fi
    if grep -qiE 'error|fail|exception' "$OUT/$label-serve-"*.log; then echo "note: the servers logged:"; grep -hiE 'error|fail|exception' "$OUT/$label-serve-"*.log | head -5; fi
  done
  local held_total=0
  for s in "${servers[@]}"; do held_total=$((held_total + held[$s])); done
  echo "RESULT run=$label connections=$total opened=$OPENED failed=$FAILED_OPEN open_seconds=$OPEN_S first_open_seconds=$first_open_s held_by_servers=$held_total pings=$SENT answered=$ANSWERED lost=$LOST close_frames=$FRAMES code1000=$CODE1000 fins=$EOF_COUNT"
  for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done
  for s in "${servers[@]}"; do timeout 15 tail --pid="$s" -f /dev/null || kill -9 "$s" 2>/dev/null || true; done
}

run one "$ONE" 1
run many "$MANY" "$NODES"
echo
[ "$FAILED" -eq 0 ] && echo "connections.sh: every connection opened, answered a ping and closed with 1000; descriptors back to the baseline" || echo "connections.sh: FAILED (see above; logs in $OUT)"
exit "$FAILED"
