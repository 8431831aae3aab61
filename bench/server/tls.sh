#!/usr/bin/env bash
# bench/server/tls.sh - the "tls" part of bench/server/run.sh: wss:// echo (20 B, 16 KiB) and TLS handshakes/s, ws101 serve
# beside Kestrel over TLS (default, and with inline socket completions) in the same run, rounds interleaved, server pinned
# to CPU 0 and load to CPU 1. ws101 serve over plain ws:// runs in the same rounds, so that what TLS costs ws101 shows.
#
#   bench/server/tls.sh BUILD_DIR RESULTS_DIR ROUNDS [--quick]
#
# Called by run.sh (which publishes ws101 into BUILD_DIR/ws101 first). The load generator is `ws101 bench` with wss:// URLs
# and --insecure (the C generator has no TLS), the same for every server, run with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
# so that the client's own TLS costs least. A self-signed ECDSA P-256 certificate for 127.0.0.1 is made with openssl into
# BUILD_DIR/tls. Results: RESULTS_DIR/roundN/NAME/raw.txt in the format of the shared run-matrix.sh (labels echo_20,
# echo_16384, hs), so the shared summarize.py and our ratios.py read them. BASELINE_BIN adds ws101_before over wss://.
# Everything runs on 127.0.0.1 and every step is bounded in time.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD=$1 OUT=$2 ROUNDS=$3 QUICK=${4:-}
DUR=10 WARM=3 FIRST_WARMUP=10
[ "$QUICK" = "--quick" ] && { DUR=5; WARM=2; FIRST_WARMUP=5; }
SRV_CPU=${SRV_CPU:-0} CLI_CPU=${CLI_CPU:-1}
ECHO_CONNS=${ECHO_CONNS:-100} HS_CONNS=${HS_CONNS:-32}
WS101="$BUILD/ws101/Ws101.Cli"
[ -x "$WS101" ] || { echo "no ws101 build at $WS101" >&2; exit 2; }
mkdir -p "$BUILD/tls" "$OUT"

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

# bench LABEL MODE URL ARGS...: one measured point; appends "LABEL RESULT key=value ..." to $RAW (or "LABEL RESULT failed=1").
bench() {
  local label=$1 mode=$2 url=$3; shift 3
  local json="$RES/$label.json"
  timeout $((DUR + WARM + 90)) env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 taskset -c "$CLI_CPU" \
    "$WS101" bench "$mode" "$url" "$@" -w "$WARM" -d "$DUR" --json --server-pid "$PID" > "$json" 2>> "$RES/bench.err"
  local line
  line=$(python3 - "$json" "$mode" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))["targets"][0]["rounds"][0]
    s = r.get("server") or {}
    cores, system = s.get("cpuCores"), s.get("systemCpuCores")
    if cores is None or system is None or r.get("stopped"):
        raise ValueError("no server CPU figures")
    kv = {"srv_usr": cores - system, "srv_sys": system, "cli_cpu": r["clientCpuCores"], "other_cpu": 0, "errors": r["errors"]}
    if sys.argv[2] == "echo":
        lat = r.get("latency") or {}
        kv.update(msgs_per_s=r["messagesPerSecond"], MiB_per_s=r["mibPerSecond"], p50_us=lat.get("p50Us", 0), p99_us=lat.get("p99Us", 0))
    else:
        kv.update(hs_per_s=r["handshakesPerSecond"])
    print("RESULT " + " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in kv.items()))
except Exception as e:
    print("RESULT failed=1 reason=" + type(e).__name__)
PY
)
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
    url="$scheme://127.0.0.1:$port/echo"
    tlsarg=(); [ "$scheme" = wss ] && tlsarg=(--insecure)
    # JIT warm-up (1 KiB echo, then handshakes), not recorded.
    timeout 120 env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 taskset -c "$CLI_CPU" "$WS101" bench echo "$url" "${tlsarg[@]}" -c "$ECHO_CONNS" -s 1024 -w 0 -d "$FIRST_WARMUP" > /dev/null 2>&1
    timeout 60 env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 taskset -c "$CLI_CPU" "$WS101" bench handshakes "$url" "${tlsarg[@]}" -c "$HS_CONNS" -w 0 -d 2 > /dev/null 2>&1
    bench echo_20 echo "$url" "${tlsarg[@]}" -c "$ECHO_CONNS" -s 20
    bench echo_16384 echo "$url" "${tlsarg[@]}" -c "$ECHO_CONNS" -s 16384
    bench hs handshakes "$url" "${tlsarg[@]}" -c "$HS_CONNS"
    stop_server
  done < "$SERVERS"
done
