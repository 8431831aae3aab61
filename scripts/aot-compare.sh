#!/usr/bin/env bash
# Native AOT against JIT for the ws101 tool, in one run on this machine (docs/performance.md, "Native AOT"):
#   1. publishes src/Ws101.Cli with PublishAot=true for linux-x64 (and builds the JIT tool, Release), failing on any
#      trim (IL2xxx) or AOT (IL3xxx) warning;
#   2. start-up: `ws101 accept KEY` run RUNS times each, the two interleaved, median wall time in ms;
#   3. serve throughput: both tools' `serve` on free loopback ports, measured by `ws101 bench echo --compare` (rounds
#      interleaved, medians, B/A ratios, server CPU per message from /proc); both servers stopped by their pids.
# Usage: [AOT_BINARY=path] scripts/aot-compare.sh [RUNS=21] [BENCH_SECONDS=5] [CONNECTIONS=50]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
seconds=${2:-5}
connections=${3:-50}
out=${AOT_OUT:-test-output/aot}
mkdir -p "$out"

dotnet build src/Ws101.Cli -c Release --nologo -v q >/dev/null
jit=src/Ws101.Cli/bin/Release/net10.0/Ws101.Cli
# AOT_BINARY=path reuses a binary published before (the publish takes minutes on a busy machine).
if [ -z "${AOT_BINARY:-}" ]; then
  dotnet publish src/Ws101.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out/publish" --nologo 2>&1 | tee "$out/publish.log" >/dev/null
  if grep -q "warning IL" "$out/publish.log"; then
    echo "aot-compare: the AOT publish has trim/AOT warnings:" >&2
    grep "warning IL" "$out/publish.log" | sort -u >&2
    exit 1
  fi
fi
aot=${AOT_BINARY:-$out/publish/Ws101.Cli}
echo "binary: $(du -h "$aot" | cut -f1) ($aot); JIT tool: $jit (apphost + IL)"

key=dGhlIHNhbXBsZSBub25jZQ==
[ "$("$aot" accept "$key")" = "$("$jit" accept "$key")" ] || { echo "aot-compare: the two tools disagree on accept" >&2; exit 1; }
declare -a tj ta
for ((i = 0; i < runs; i++)); do
  t0=$(date +%s%N); "$jit" accept "$key" >/dev/null; t1=$(date +%s%N); "$aot" accept "$key" >/dev/null; t2=$(date +%s%N)
  tj+=($(( (t1 - t0) / 1000 ))); ta+=($(( (t2 - t1) / 1000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mj=$(median "${tj[@]}"); ma=$(median "${ta[@]}")
awk -v j="$mj" -v a="$ma" -v n="$runs" 'BEGIN { printf "start-up, ws101 accept KEY, median of %d: JIT %.1f ms, AOT %.1f ms, AOT/JIT %.3f\n", n, j/1000, a/1000, a/j }'

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pj=$(free_port); pa=$(free_port)
"$jit" serve --port "$pj" --quiet >"$out/serve-jit.log" 2>&1 & jit_pid=$!
"$aot" serve --port "$pa" --quiet >"$out/serve-aot.log" 2>&1 & aot_pid=$!
trap 'kill "$jit_pid" "$aot_pid" 2>/dev/null || true' EXIT
for log in "$out/serve-jit.log" "$out/serve-aot.log"; do
  for ((i = 0; i < 200; i++)); do grep -q '^ws101 serve: ' "$log" && break; sleep 0.05; done
  grep -q '^ws101 serve: ' "$log" || { echo "aot-compare: a server did not start: $log" >&2; cat "$log" >&2; exit 1; }
done
echo "serve echo throughput: A = JIT (pid $jit_pid, port $pj), B = AOT (pid $aot_pid, port $pa)"
"$jit" bench echo "ws://127.0.0.1:$pj/echo" --compare "ws://127.0.0.1:$pa/echo" --server-pid "$jit_pid" --compare-server-pid "$aot_pid" \
  -c "$connections" -d "$seconds" -w 2 --rounds 3
