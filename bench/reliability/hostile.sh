#!/usr/bin/env bash
# bench/reliability/hostile.sh - hostile load: while 1,000 well-behaved clients echo, 10,000 slowloris handshakes (a
# byte a second), a flood of malformed upgrade requests, and clients that stop reading. Windows without and with the
# attack alternate in one run, so the good clients' throughput under attack is compared with their own throughput
# unloaded, on the same machine in the same minutes.
#
#   bench/reliability/hostile.sh [--rounds N] [--good N] [--rate R] [--slow N] [--bad-rate R] [--noread N] [--max-connections N]
#
# Good clients: wsload echo, 20-byte messages, each paced at --rate messages a second (5; one in flight), measured per
# window (echoes/s, p50, p99). Attack, started at each loaded window and stopped after it: wsload slow (--slow
# connections, each sending its upgrade request a byte a second, opened at up to 1,000 a second and reopened when
# cut), wsload bad (--bad-rate malformed requests a second: TLS bytes on the ws:// port, no key, version 8, an unknown
# path, no upgrade, POST, a 24 KiB header line), wsload noread (--noread clients, 50, that upgrade, send 64 KiB messages
# and never read), and newcomers (20 new connect/echo/close clients a second, also run in the unloaded windows). The server
# is one ws101 serve with --max-connections (8,000) and the default handshake timeout (10 s) and send timeout (30 s).
# The attackers run at nice 19: this machine's two cores are shared with other work, and an attacker's own CPU would
# otherwise be taken from the good clients' load generator (not from the server) and be counted against the server.
# Each stuck reader holds about 9 MB of kernel socket buffers on loopback (both ends); more than about 150 of them put
# the host's TCP stack under memory pressure (tcp_mem), which slows every socket on the machine.
# Everything runs on 127.0.0.1, every step is bounded in time, only processes started here are stopped (by pid).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROUNDS=5 GOOD=1000 RATE=5 SLOW=10000 BAD_RATE=1000 NOREAD=50 MAXCONN=8000
UNLOADED=15 RAMP=12 LOADED=20 SETTLE=12
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift ;;
    --good) GOOD="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --slow) SLOW="$2"; shift ;;
    --bad-rate) BAD_RATE="$2"; shift ;;
    --noread) NOREAD="$2"; shift ;;
    --max-connections) MAXCONN="$2"; shift ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
  esac
  shift
done

echo "== building wsload and ws101 into $BUILD"
build
OUT="$BUILD/hostile"
rm -rf "$OUT"; mkdir -p "$OUT"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
PORT=$(free_port)
start_serve "$OUT/serve.log" --port "$PORT" --quiet --stats 1 --max-connections "$MAXCONN"
SRV=$SERVE_PID
wait_banner "$OUT/serve.log"
wait_port "$PORT"

"$BUILD/wsload" echo -p "$PORT" -u /echo -c "$GOOD" -r "$RATE" -s 20 -d 100000 -S 2:2 > "$OUT/good.log" 2>&1 &
GOOD_PID=$!; PIDS+=("$GOOD_PID")
wait_lines "$OUT/good.log" '^OPENED' 1 60
sleep 10
kill -USR1 "$GOOD_PID"   # the end of the warm-up window (not counted)
FD0=$(fds "$SRV")
WINDOWS=1
declare -a KIND CPU
mark() { # KIND: ends the good clients' current window, and records its kind and the server's CPU seconds in it
  kill -USR1 "$GOOD_PID"
  WINDOWS=$((WINDOWS + 1))
  wait_lines "$OUT/good.log" '^WINDOW' "$WINDOWS" 30
  local now; now=$(cpu_s "$SRV")
  KIND[$WINDOWS]="$1"; CPU[$WINDOWS]=$(awk -v a="$now" -v b="$LAST_CPU" 'BEGIN {printf "%.2f", a - b}')
  LAST_CPU=$now
}
newcomers() { # LABEL SECONDS: 20 new clients a second, each connect, upgrade, echo one message, close
  "$BUILD/wsload" cycle -p "$PORT" -u /echo -c 4 -r 20 -d "$2" -S 10:2 > "$OUT/newcomers-$1.log" 2>&1 &
  PIDS+=("$!"); NEWCOMER_PID=$!
}
LAST_CPU=$(cpu_s "$SRV")
RSS_PEAK_LOADED=0
for r in $(seq 1 "$ROUNDS"); do
  echo "-- round $r: unloaded ${UNLOADED} s"
  newcomers "unloaded-$r" "$UNLOADED"
  sleep "$UNLOADED"
  mark unloaded
  wait "$NEWCOMER_PID" || true
  echo "-- round $r: attack (ramp ${RAMP} s, measured ${LOADED} s)"
  span=$((RAMP + LOADED + 5))
  nice -n 19 "$BUILD/wsload" slow -p "$PORT" -u /echo -c "$SLOW" -C "$SLOW" -r 1000 -i 1000 -d "$span" -S 20:8 > "$OUT/slow-$r.log" 2>&1 &
  SLOW_PID=$!; PIDS+=("$SLOW_PID")
  nice -n 19 "$BUILD/wsload" bad -p "$PORT" -u /echo -c 64 -C 64 -r "$BAD_RATE" -d "$span" -S 30:8 > "$OUT/bad-$r.log" 2>&1 &
  BAD_PID=$!; PIDS+=("$BAD_PID")
  nice -n 19 "$BUILD/wsload" noread -p "$PORT" -u /echo -c "$NOREAD" -C "$NOREAD" -s 65536 -d "$span" -S 40:2 > "$OUT/noread-$r.log" 2>&1 &
  NOREAD_PID=$!; PIDS+=("$NOREAD_PID")
  sleep "$RAMP"
  mark ramp
  newcomers "loaded-$r" "$LOADED"
  sleep "$LOADED"
  mark loaded
  wait "$NEWCOMER_PID" || true
  rss=$(awk '/ stats / {for (i = 1; i <= NF; i++) if ($i ~ /^rss_kib=/) {split($i, a, "="); if (a[2] > m) m = a[2]}} END {print m + 0}' "$OUT/serve.log")
  [ "$rss" -gt "$RSS_PEAK_LOADED" ] && RSS_PEAK_LOADED=$rss
  kill "$SLOW_PID" "$BAD_PID" "$NOREAD_PID" 2>/dev/null || true
  wait "$SLOW_PID" "$BAD_PID" "$NOREAD_PID" 2>/dev/null || true
  sleep "$SETTLE"
  mark settle
done
kill -USR2 "$GOOD_PID"
wait_lines "$OUT/good.log" '^RESULT' 1 60

echo
printf '%-6s %-9s %14s %9s %9s %12s %16s\n' window kind "good echoes/s" "p50 ms" "p99 ms" "server CPU/s" "newcomers 101/503"
n=1; round=0
declare -a UN LO
while read -r line; do
  n=$((n + 1))
  kind=${KIND[$n]:-}
  [ "$kind" = unloaded ] && round=$((round + 1))
  [ "$kind" = unloaded ] || [ "$kind" = loaded ] || continue
  secs=$(field "$line" seconds)
  cpu=$(awk -v c="${CPU[$n]}" -v s="$secs" 'BEGIN {printf "%.2f", c / s}')
  nc=$(grep '^RESULT' "$OUT/newcomers-$kind-$round.log" | sed -n 's/.*statuses=//p')
  ok=$(sed -n 's/.*101:\([0-9]*\).*/\1/p' <<< "$nc"); refused=$(sed -n 's/.*503:\([0-9]*\).*/\1/p' <<< "$nc")
  printf '%-6s %-9s %14s %9s %9s %12s %16s\n' "$n" "$kind $round" "$(field "$line" rate)" "$(field "$line" p50_ms)" "$(field "$line" p99_ms)" "$cpu" "${ok:-0}/${refused:-0}"
  [ "$kind" = unloaded ] && UN+=("$(field "$line" rate)") || LO+=("$(field "$line" rate)")
done < <(grep '^WINDOW' "$OUT/good.log" | tail -n +2)

mean() { awk '{s += $1} END {printf "%.0f", s / NR}' <<< "$(printf '%s\n' "$@")"; }
UNLOADED_RATE=$(mean "${UN[@]}"); LOADED_RATE=$(mean "${LO[@]}")
RATIO=$(awk -v a="$LOADED_RATE" -v b="$UNLOADED_RATE" 'BEGIN {printf "%.3f", a / b}')
echo
echo "good clients: $UNLOADED_RATE echoes/s unloaded, $LOADED_RATE under attack: $(awk -v r="$RATIO" 'BEGIN {printf "%.1f", r * 100}') % (offered: $((GOOD * RATE))/s)"
echo "good clients lost: $(field "$(grep '^RESULT' "$OUT/good.log")" lost) of $GOOD; $(grep '^CLOSED' "$OUT/good.log")"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r attackers:"
  echo "  slowloris: $(grep '^RESULT' "$OUT/slow-$r.log" | sed 's/RESULT mode=slow //')"
  echo "  malformed: $(grep '^RESULT' "$OUT/bad-$r.log" | sed 's/RESULT mode=bad //')"
  echo "  no-read:   $(grep '^RESULT' "$OUT/noread-$r.log" | sed 's/RESULT mode=noread //')"
done
# logged COUNT PATTERN WHAT: the count the server logged in lines matching PATTERN, with two of those lines ("e.g.") when any.
logged() {
  local lines; lines=$(grep -c "$2" "$OUT/serve.log" || true)
  if [ "$1" -gt 0 ]; then
    echo "server: $1 $3 in $lines log lines, e.g.:"
    grep -m2 "$2" "$OUT/serve.log" | sed 's/^/  /' || true
  else
    echo "server: none $3"
  fi
}
REFUSED_LOGGED=$(sed -n 's/.*Refused \([0-9]*\) connection(s) with 503.*/\1/p' "$OUT/serve.log" | awk '{s += $1} END {print s + 0}')
logged "$REFUSED_LOGGED" 'Refused .* with 503' "connections refused with 503"
SHED_LOGGED=$(sed -n 's/.*Shed \([0-9]*\) handshake(s) still incomplete.*/\1/p' "$OUT/serve.log" | awk '{s += $1} END {print s + 0}')
logged "$SHED_LOGGED" 'Shed .* handshake(s) still incomplete' "incomplete handshakes shed to admit newcomers"
echo "server: peak RSS $(( $(hwm_kb "$SRV") / 1024 )) MiB (VmHWM), highest sampled while attacked $((RSS_PEAK_LOADED / 1024)) MiB; descriptors $FD0 before the first attack, $(fds "$SRV") now; other log lines: $(grep -v ' stats \|Refused .* with 503\|Shed .* handshake(s) still incomplete\|^ws101 serve\|^Press' "$OUT/serve.log" | wc -l)"
FAILED=0
kill -0 "$SRV" 2>/dev/null || { echo "FAIL: the server died"; FAILED=1; }
awk -v r="$RATIO" 'BEGIN {exit !(r >= 0.9)}' || { echo "FAIL: the good clients kept less than 90 % of their throughput"; FAILED=1; }
[ "$(field "$(grep '^RESULT' "$OUT/good.log")" lost)" = 0 ] || { echo "FAIL: good clients lost their connection"; FAILED=1; }
# At the limit a newcomer takes the place of the oldest handshake old enough, or is refused: either shows the limit was reached.
[ $((REFUSED_LOGGED + SHED_LOGGED)) -gt 0 ] || { echo "FAIL: the connection limit was never reached (nothing refused, nothing shed)"; FAILED=1; }
echo "RESULT unloaded=$UNLOADED_RATE loaded=$LOADED_RATE ratio=$RATIO peak_rss_mib=$(( $(hwm_kb "$SRV") / 1024 )) refused_503=$REFUSED_LOGGED shed=$SHED_LOGGED"
[ "$FAILED" -eq 0 ] && echo "hostile.sh: passed" || echo "hostile.sh: FAILED (logs in $OUT)"
exit "$FAILED"
