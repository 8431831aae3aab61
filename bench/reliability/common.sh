# bench/reliability/common.sh - what the reliability scripts share: building the client and the server, starting and
# stopping only the processes they started (by pid), and reading a process's RSS, descriptors and threads from /proc.
# Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${RELIABILITY_BUILD:-/tmp/ws101-reliability}"
mkdir -p "$BUILD"
PIDS=()

cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || true
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

build() { # builds wsload and publishes ws101 into $BUILD (WS101_BIN=path skips the publish)
  gcc -O2 -Wall -o "$BUILD/wsload" "$ROOT/bench/reliability/wsload.c"
  if [ -n "${WS101_BIN:-}" ]; then
    SERVE="$WS101_BIN"
  else
    dotnet publish "$ROOT/src/Ws101.Cli" -c Release -o "$BUILD/ws101" --nologo -v q > "$BUILD/publish.log" 2>&1 || { cat "$BUILD/publish.log"; exit 1; }
    SERVE="$BUILD/ws101/Ws101.Cli"
  fi
}

free_port() { # a port nothing listens on, picked by the kernel
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # PORT: up to 30 s
  for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1" >&2; return 1
}

start_serve() { # LOGFILE ARGS... -> SERVE_PID (the server process itself: exec'd, so a kill reaches it)
  local log="$1"; shift
  "$SERVE" serve "$@" > "$log" 2>&1 &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
}

wait_banner() { # LOGFILE: up to 30 s for "ws101 serve:" (listening)
  for _ in $(seq 1 300); do grep -q '^ws101 serve:' "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "the server did not start: $(cat "$1")" >&2; return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo 0; }

wait_lines() { # FILE PATTERN COUNT SECONDS: until COUNT lines of FILE match PATTERN
  local deadline=$((SECONDS + $4))
  while [ "$(grep -c "$2" "$1" 2>/dev/null || true)" -lt "$3" ]; do
    [ $SECONDS -ge $deadline ] && { echo "timed out waiting for $3 x '$2' in $1" >&2; return 1; }
    sleep 0.2
  done
}

field() { # LINE KEY: the value of KEY=VALUE in LINE
  sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<< " $1"
}
