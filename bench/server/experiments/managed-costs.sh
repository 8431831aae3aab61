#!/usr/bin/env bash
# An experiment, not part of the bench (docs/performance.md, "What the managed path is made of (session 18)"): how much of
# the isolated echo path (bench/Ws101.Benchmarks echo-loop: MessagePathBenchmarks' pump and echo handler over a transport
# with no kernel under it) is the connection's lock and how much the buffer pool. Builds four variants of the benchmark
# from HEAD in a throwaway worktree and times each alternately, R rounds (3), at 20 B and 1 KiB, SECONDS (3) per run:
#
#   A   HEAD as it is
#   E1  the three lock turns of a message removed (the parse, the send's framing, the end of the send turn)
#   E2  no pool rent and return per message (the receive and send buffers kept across messages)
#   E3  both
#
# E1-E3 are measurements only: without the lock a connection used from two threads would corrupt its state, and a kept
# buffer is the 4-16 KiB per idle connection that issue 16 removed. Prints ns per message per run; CPU 0.
#
#   bench/server/experiments/managed-costs.sh
#   R=5 SECONDS_PER_RUN=5 bench/server/experiments/managed-costs.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
WORK=$(mktemp -d /tmp/ws101-managed-costs.XXXXXX)
TREE="$WORK/tree"
trap 'git -C "$ROOT" worktree remove --force "$TREE" > /dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
git -C "$ROOT" worktree add -q --detach "$TREE" HEAD
cd "$TREE"
conn=src/Ws101/Connection/WebSocketConnection.cs
writer=src/Ws101/Connection/FrameWriter.cs

build() { dotnet build bench/Ws101.Benchmarks -c Release -o "$WORK/$1" -v q --nologo > "$WORK/$1.log" 2>&1 || { cat "$WORK/$1.log"; exit 1; }; }

# Each edit is checked to have matched, so that a changed source fails here rather than measuring HEAD twice.
edit() { # FILE PYTHON-OLD PYTHON-NEW
  python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{path}: expected exactly one '{old.strip()[:60]}', found {text.count(old)}")
open(path, 'w').write(text.replace(old, new))
PY
}
without_locks() {
  edit $conn $'            lock (Core)\n            {\n                if (_end.HasEnded)\n                {\n                    flush = false;' \
             $'            {\n                if (_end.HasEnded)\n                {\n                    flush = false;'
  edit $writer $'        lock (_core)\n        {\n            turn = _turn.TryTake();' $'        {\n            turn = _turn.TryTake();'
  edit $writer $'        lock (_core)\n        {\n            end = _connection.EndAfterTurn();' $'        {\n            end = _connection.EndAfterTurn();'
}
without_pool() {
  edit $conn $'    private void ReleaseIdleBuffers()\n    {\n        _in.Release();' $'    private void ReleaseIdleBuffers()\n    {\n        _in.Consumed(0);'
  edit $writer $'        Reset(release: true);\n        ConnectionEnding? end;' $'        Reset(release: false);\n        ConnectionEnding? end;'
}

build A
without_locks; build E1; git checkout -q -- src
without_pool; build E2
without_locks; build E3; git checkout -q -- src

echo "round variant payload ns_per_message"
for r in $(seq 1 "${R:-3}"); do
  for v in A E1 E2 E3; do
    for s in 20 1024; do
      echo "$r $v $s $(taskset -c 0 dotnet "$WORK/$v/Ws101.Benchmarks.dll" echo-loop "$s" "${SECONDS_PER_RUN:-3}" | awk '{print $1}')"
    done
  done
done
