#!/usr/bin/env bash
# bench/server/tls.sh - the "tls" part of bench/server/run.sh: wss:// echo (20 B, 16 KiB) and TLS handshakes/s, ws101 serve
# beside Kestrel over TLS (default, and with inline socket completions) in the same run, rounds interleaved, server pinned
# to CPU 0 and load to CPU 1. ws101 serve over plain ws:// runs in the same rounds, so that what TLS costs ws101 shows.
#
#   bench/server/tls.sh BUILD_DIR RESULTS_DIR ROUNDS [--quick] [--paired]
#
# --paired (run.sh's paired-tls part): the same servers all up at once, the two echo points measured for each server back
# to back in every round (bench/server/paired.sh --tls), so that the ratios compare measurements seconds apart.
#
# Called by run.sh (which publishes ws101 into BUILD_DIR/ws101 first). The load generator is bench/server/tlsload.c
# (C, OpenSSL, one thread, epoll), compiled here into BUILD_DIR/tlsload (gcc and libssl-dev are installed with apt-get
# when missing and we are root). It drives every row alike: TLS 1.3 with no certificate check and no session resumption
# for the wss:// servers, and --plain for ws101_ws. It replaced `ws101 bench --insecure`, which used a whole core of its
# own and so measured itself, not the server. A self-signed ECDSA P-256 certificate for 127.0.0.1 is made with openssl
# into BUILD_DIR/tls. Results: RESULTS_DIR/roundN/NAME/raw.txt in the format of the shared run-matrix.sh (labels
# echo_20, echo_16384, hs; tlsload prints wsbench's RESULT keys), so the shared summarize.py and our ratios.py read
# them. BASELINE_BIN adds ws101_before over wss://. Everything runs on 127.0.0.1 and every step is bounded in time.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD=$1 OUT=$2 ROUNDS=$3; shift 3
DUR=10 WARM=3 FIRST_WARMUP=10 QUICK="" PAIRED=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=--quick DUR=5 WARM=2 FIRST_WARMUP=5 ;;
    --paired) PAIRED=1 ;;
    *) echo "tls.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
SRV_CPU=${SRV_CPU:-0} CLI_CPU=${CLI_CPU:-1}
ECHO_CONNS=${ECHO_CONNS:-100} HS_CONNS=${HS_CONNS:-32}
WS101="$BUILD/ws101/Ws101.Cli"
[ -x "$WS101" ] || { echo "no ws101 build at $WS101" >&2; exit 2; }
mkdir -p "$BUILD/tls" "$OUT"

echo "== tls: building the load generator (bench/server/tlsload.c) into $BUILD/tlsload"
"$ROOT/bench/server/need-gcc-openssl.sh" "tls: tlsload" "$BUILD/tls/apt.log" || exit 1
TLSLOAD="$BUILD/tlsload"
export WS_PATH=/echo   # ws101 serves its echo there; Kestrel's TLS anchor echoes on any path
gcc -O2 -Wall -o "$TLSLOAD" "$ROOT/bench/server/tlsload.c" -lssl -lcrypto || { echo "tls: compiling tlsload failed" >&2; exit 1; }

echo "== tls: a self-signed certificate (ECDSA P-256, CN and SAN 127.0.0.1) into $BUILD/tls"
CERT="$BUILD/tls/cert.pem" KEY="$BUILD/tls/key.pem"
timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$KEY" -out "$CERT" -days 7 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 > "$BUILD/tls/openssl.log" 2>&1 || { cat "$BUILD/tls/openssl.log"; exit 1; }

echo "== tls: building the Kestrel TLS anchor (bench/server/kestrel-tls) into $BUILD/kestrel-tls"
# Built from a copy, so that the project folder stays clean of bin/ and obj/.
rm -rf "$BUILD/src/kestrel-tls"; mkdir -p "$BUILD/src"; cp -r "$ROOT/bench/server/kestrel-tls" "$BUILD/src/kestrel-tls"
cp "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" "$BUILD/src/" 2>/dev/null
timeout 600 dotnet publish "$BUILD/src/kestrel-tls" -c Release -o "$BUILD/kestrel-tls" --nologo -v q > "$BUILD/kestrel-tls.log" 2>&1 \
  || { cat "$BUILD/kestrel-tls.log"; exit 1; }

SERVERS="$BUILD/tls/servers.txt"
cat > "$SERVERS" <<SERVERS
kestrel|19102|wss|$BUILD/kestrel-tls/KestrelTlsEcho 19102 $CERT $KEY
kestrel_inline|19106|wss|env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 $BUILD/kestrel-tls/KestrelTlsEcho 19106 $CERT $KEY
ws101|19110|wss|$WS101 serve --port 19110 --quiet --cert $CERT --key $KEY
ws101_ws|19111|ws|$WS101 serve --port 19111 --quiet
SERVERS
if [ -n "${BASELINE_BIN:-}" ]; then
  echo "ws101_before|19112|wss|$BASELINE_BIN serve --port 19112 --quiet --cert $CERT --key $KEY" >> "$SERVERS"
fi

if [ "$PAIRED" = 1 ]; then
  exec "$ROOT/bench/server/paired.sh" "$SERVERS" "$ROUNDS" "$OUT" $QUICK --tls "$TLSLOAD"
fi

PGID="" PID=""
listener_pid() { ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }
stop_server() {
  [ -z "$PGID" ] && return
  kill -TERM -- "-$PGID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$PGID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$PGID" 2>/dev/null
  wait "$PGID" 2>/dev/null
  PGID=""
}
trap 'stop_server; exit 130' INT TERM

# bench LABEL MODE ARGS...: one measured point with tlsload on $PORT ($PLAIN for ws://); appends "LABEL RESULT key=value ..."
# (tlsload's last line) to $RAW, or "LABEL RESULT failed=1" when it printed none.
bench() {
  local label=$1 mode=$2; shift 2
  timeout $((DUR + WARM + 90)) taskset -c "$CLI_CPU" "$TLSLOAD" "$mode" -p "$PORT" $PLAIN "$@" -w "$WARM" -d "$DUR" -P "$PID" -q \
    > "$RES/$label.out" 2>> "$RES/bench.err"
  local line
  line=$(grep '^RESULT ' "$RES/$label.out" | tail -1)
  [ -n "$line" ] || line="RESULT failed=1"
  echo "$label $line" >> "$RAW"
  echo "  $label: ${line#RESULT }"
}

for r in $(seq 1 "$ROUNDS"); do
  while IFS='|' read -r name port scheme cmd; do
    case "$name" in ''|\#*) continue ;; esac
    RES="$OUT/round$r/$name" RAW="$OUT/round$r/$name/raw.txt"
    mkdir -p "$RES"; : > "$RAW"
    if ss -ltnH "sport = :$port" | grep -q .; then echo "port $port already in use; skipping $name" >&2; continue; fi
    echo "== tls round $r/$ROUNDS: $name ($scheme://127.0.0.1:$port/echo, server CPU $SRV_CPU, load CPU $CLI_CPU, ${DUR}s points)"
    # shellcheck disable=SC2086
    setsid taskset -c "$SRV_CPU" $cmd > "$RES/server.log" 2>&1 < /dev/null &
    PGID=$! PID=""
    for _ in $(seq 1 300); do
      PID=$(listener_pid "$port"); [ -n "$PID" ] && break
      kill -0 "$PGID" 2>/dev/null || break
      sleep 0.1
    done
    if [ -z "$PID" ]; then echo "  $name did not listen on $port within 30 s; see $RES/server.log" >&2; stop_server; continue; fi
    PORT=$port PLAIN=""; [ "$scheme" = ws ] && PLAIN=--plain
    # JIT warm-up (1 KiB echo, then handshakes), not recorded.
    timeout $((FIRST_WARMUP + 60)) taskset -c "$CLI_CPU" "$TLSLOAD" echo -p "$PORT" $PLAIN -c "$ECHO_CONNS" -s 1024 -w 0 -d "$FIRST_WARMUP" -q > /dev/null 2>&1
    timeout 60 taskset -c "$CLI_CPU" "$TLSLOAD" hs -p "$PORT" $PLAIN -c "$HS_CONNS" -w 0 -d 2 -q > /dev/null 2>&1
    bench echo_20 echo -c "$ECHO_CONNS" -s 20
    bench echo_16384 echo -c "$ECHO_CONNS" -s 16384
    bench hs hs -c "$HS_CONNS"
    stop_server
  done < "$SERVERS"
done
