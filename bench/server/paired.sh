#!/usr/bin/env bash
# bench/server/paired.sh - server CPU per echoed message, every server measured back to back point by point, so that each
# round gives ratios between measurements seconds apart rather than minutes.
#
#   bench/server/paired.sh SERVERS_FILE ROUNDS OUT [--quick] [--tls TLSLOAD]
#
# SERVERS_FILE is run.sh's (one "NAME|PORT|COMMAND" per line). Every server is started once, pinned to CPU 0, and warmed
# (10 s of 1 KiB echo each); then each round runs, for 20 B, 1 KiB and 16 KiB, one echo point per server (100 connections,
# load pinned to CPU 1), in an order that rotates by round. paired.py prints per-round ratios to kestrel_inline (and
# ws101's to floor) with their median and range, beside each server's median CPU per message and messages per second.
# SIZES="20 1024" (environment) measures only those payload sizes: a quicker before/after of the small-message points.
# --tls TLSLOAD (tls.sh --paired): SERVERS_FILE is tls.sh's ("NAME|PORT|wss-or-ws|COMMAND"), the load generator is
# bench/server/tlsload (--plain for a ws row) and the points are 20 B and 16 KiB, the wss:// echo points of tls.sh.
# Why: this virtual machine's speed drifts by up to 1.5x over minutes (the same C echo measured 7.5 and 11.9 µs per
# message in one hour), and run-all.sh's rounds measure one server's whole matrix after another's, so a ratio there can
# compare a fast minute with a slow one. Adjacent points see the same machine. Idle servers sit in epoll_wait, off the CPU.
# Full mode: 3 s warm-up and 10 s per point (about 3 minutes per round with four servers); --quick: 2 s and 5 s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FILE=$1 ROUNDS=$2 OUT=$3; shift 3
WARM=3 DUR=10 TLSLOAD="" SIZES="${SIZES:-20 1024 16384}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) WARM=2; DUR=5 ;;
    --tls) TLSLOAD=$2; SIZES="20 16384"; shift ;;
    *) echo "paired.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$TLSLOAD" ] || WSBENCH=${WSBENCH:?set WSBENCH to the wsbench binary}
mkdir -p "$OUT"
RAW="$OUT/paired.txt"
: > "$RAW"

names=() ports=() pgids=() pids=() plains=()
stop_all() {
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${pgids[@]}"; do
    for _ in $(seq 1 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null || true
  done
}
trap stop_all EXIT
listener_pid() { ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }

while IFS='|' read -r name port cmd; do
  case "$name" in ''|\#*) continue ;; esac
  plain=""
  if [ -n "$TLSLOAD" ]; then
    # tls.sh's lines carry the scheme before the command.
    scheme=${cmd%%|*} cmd=${cmd#*|}
    [ "$scheme" = ws ] && plain=--plain
  fi
  if [ -n "$(listener_pid "$port")" ] || ss -ltnH "sport = :$port" | grep -q .; then
    echo "port $port ($name) already in use; refusing to start" >&2; exit 1
  fi
  # shellcheck disable=SC2086
  setsid taskset -c 0 $cmd > "$OUT/$name.log" 2>&1 < /dev/null &
  pgids+=("$!") names+=("$name") ports+=("$port") plains+=("$plain")
  pid=""
  for _ in $(seq 1 300); do pid=$(listener_pid "$port"); [ -n "$pid" ] && break; sleep 0.1; done
  [ -z "$pid" ] && { echo "$name did not listen on $port within 30 s; see $OUT/$name.log" >&2; exit 1; }
  pids+=("$pid")
done < "$FILE"

# load LIMIT I SIZE ARGS...: one echo point against server I, stopped after LIMIT seconds.
load() {
  local limit=$1 i=$2 size=$3; shift 3
  if [ -n "$TLSLOAD" ]; then
    # shellcheck disable=SC2086
    timeout "$limit" taskset -c 1 "$TLSLOAD" echo -p "${ports[$i]}" ${plains[$i]} -c 100 -s "$size" "$@"
  else
    timeout "$limit" taskset -c 1 "$WSBENCH" echo -p "${ports[$i]}" -c 100 -s "$size" "$@"
  fi
}

n=${#names[@]}
echo "== paired echo points: ${names[*]}; $ROUNDS round(s), ${WARM}+${DUR} s per point; results in $RAW"
for i in $(seq 0 $((n - 1))); do
  load 60 "$i" 1024 -w 0 -d 10 -q > /dev/null 2>&1 || true
done
for r in $(seq 1 "$ROUNDS"); do
  for size in $SIZES; do
    for k in $(seq 0 $((n - 1))); do
      i=$(( (k + r) % n ))
      line=$(load $((WARM + DUR + 30)) "$i" "$size" -w "$WARM" -d "$DUR" -P "${pids[$i]}" 2>/dev/null | grep '^RESULT' || true)
      [ -z "$line" ] && line="RESULT failed=1"
      echo "$r ${names[$i]} echo_$size ${line#RESULT }" >> "$RAW"
      echo "  round $r ${names[$i]} echo_$size: ${line#RESULT }"
    done
  done
done
stop_all
trap - EXIT
python3 "$ROOT/bench/server/paired.py" "$RAW" | tee "$OUT/paired-table.txt"
