#!/usr/bin/env bash
# A long fuzzing campaign: every target in turn, SLICE_MINUTES each (default 20), until HOURS have passed, each slice
# resuming the target's queue in fuzz/out/TARGET (fuzz/run.sh). Stopped and started again, it goes on where it was.
#
#   fuzz/campaign.sh HOURS [SLICE_MINUTES]
#
# Runs at the lowest priority (nice 19): the machine is shared with builds and tests. Start it detached:
#
#   setsid nohup fuzz/campaign.sh 24 >/dev/null 2>&1 &
#
# Progress: fuzz/out/campaign.log, one line per slice with the target's executions and the total over all targets
# (`tail fuzz/out/campaign.log`). Stop it: kill -- -"$(cat fuzz/out/campaign.pid)" (its process group).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: fuzz/campaign.sh HOURS [SLICE_MINUTES]" >&2
  exit 64
fi
case "$1${2:-}" in ''|*[!0-9]*) echo "fuzz/campaign.sh: HOURS and SLICE_MINUTES are whole numbers" >&2; exit 64 ;; esac
if [ "$(nice)" -lt 19 ]; then
  exec nice -n 19 "$0" "$@"
fi

out=${FUZZ_OUT:-fuzz/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export FUZZ_ROOT=$PWD
log=$out/campaign.log
slice=$(( ${2:-20} * 60 ))
end=$(( $(date +%s) + $1 * 3600 ))
echo $$ >"$out/campaign.pid"

stat_of() {
  local v
  v=$(awk -F' *: *' -v k="$2" '$1 == k {print $2}' "$1" 2>/dev/null || true)
  echo "${v:-0}"
}

# afl-fuzz keeps execs_done across resumed runs, so a target's total is in its fuzzer_stats.
all_executions() {
  local sum=0 f
  for f in "$out"/*/default/fuzzer_stats; do
    [ -f "$f" ] && sum=$((sum + $(stat_of "$f" execs_done)))
  done
  echo "$sum"
}

# A copy of run.sh, so that editing or merging the script while a slice runs cannot change it under bash's feet. The
# instrumented build is made once, from the sources as they are now; restart the campaign to fuzz newer sources.
cp fuzz/run.sh "$out/campaign-run.sh"
echo "$(date -Is) campaign started: $1 h, slices of $((slice / 60)) min, pid $$, $(all_executions) executions so far" >>"$log"
FUZZ_OUT=$out bash "$out/campaign-run.sh" list >"$out/campaign-targets.txt" 2>>"$out/campaign-run.log"
while [ "$(date +%s)" -lt "$end" ]; do
  for target in $(grep -E '^[a-z-]+$' "$out/campaign-targets.txt"); do
    left=$(( end - $(date +%s) ))
    [ "$left" -gt 0 ] || break
    seconds=$(( left < slice ? left : slice ))
    if FUZZ_OUT=$out FUZZ_SKIP_BUILD=1 bash "$out/campaign-run.sh" "$target" "$seconds" >>"$out/campaign-run.log" 2>&1; then
      result=ok
    else
      result="crash, hang or failure: see $out/campaign-run.log and $out/$target/replay.log"
    fi
    stats=$out/$target/default/fuzzer_stats
    echo "$(date -Is) $target: ${seconds}s slice, $(stat_of "$stats" execs_per_sec)/s, $(stat_of "$stats" execs_done) executions of this target, $(stat_of "$stats" corpus_count) in its queue; $(all_executions) over all targets; $result" >>"$log"
  done
done
echo "$(date -Is) campaign ended: $(all_executions) executions over all targets" >>"$log"
