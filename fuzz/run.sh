#!/usr/bin/env bash
# Coverage-guided fuzzing of Ws101 with SharpFuzz and AFL++ (docs/reliability.md, "Fuzzing").
#
#   fuzz/run.sh TARGET SECONDS    fuzz one target for SECONDS
#   fuzz/run.sh all SECONDS       fuzz every target in turn, SECONDS each
#   fuzz/run.sh list              the targets
#   fuzz/run.sh cmin TARGET DIR   replace fuzz/corpus/TARGET by the smallest subset of DIR with the same coverage
#
# Installs what it needs (afl++ from Debian, the SharpFuzz.CommandLine tool into a cache folder), publishes
# fuzz/Ws101.Fuzz, instruments the published Ws101.dll, and runs afl-fuzz from fuzz/corpus/TARGET plus
# fuzz/regressions/TARGET. Findings go to $FUZZ_OUT/TARGET (default fuzz/out, not in git); a later run resumes
# from there. Every crash and hang afl-fuzz saved is replayed: one that still fails is printed with its exception
# and makes the script exit 1; one that no longer fails (fixed since) moves to TARGET/fixed/.
#
# Settings (environment): FUZZ_OUT (output folder), FUZZ_FRESH=1 (start over from the corpus instead of resuming),
# FUZZ_SKIP_BUILD=1 (reuse the instrumented build in $FUZZ_OUT/build), FUZZ_TIMEOUT_MS (per-input timeout, default
# 2000), FUZZ_MEMORY_MB (address-space bound, default 4096), FUZZ_HEAP_MB (managed heap bound, default 512).
set -euo pipefail
# FUZZ_ROOT: the repository, for a copy of this script kept elsewhere (fuzz/campaign.sh runs one).
cd "${FUZZ_ROOT:-$(dirname "$0")/..}"
root=$(pwd)

usage() {
  echo "usage: fuzz/run.sh TARGET|all SECONDS | fuzz/run.sh list | fuzz/run.sh cmin TARGET DIR" >&2
  exit 64
}

out=${FUZZ_OUT:-fuzz/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build=$out/build
timeout_ms=${FUZZ_TIMEOUT_MS:-2000}
memory_mb=${FUZZ_MEMORY_MB:-4096}
heap_mb=${FUZZ_HEAP_MB:-512}
cache=${WS101_FUZZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ws101-fuzz}
sharpfuzz_version=2.3.0
sharpfuzz=$cache/sharpfuzz-$sharpfuzz_version/sharpfuzz

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

install_tools() {
  if ! command -v afl-fuzz >/dev/null 2>&1; then
    if [ "$(id -u)" != "0" ]; then
      echo "fuzz/run.sh: afl-fuzz is missing; install Debian's afl++ (as root: apt-get install afl++)" >&2
      exit 1
    fi
    echo "fuzz/run.sh: installing afl++"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null
  fi
  if [ ! -x "$sharpfuzz" ]; then
    echo "fuzz/run.sh: installing SharpFuzz.CommandLine $sharpfuzz_version into $cache"
    dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$cache/sharpfuzz-$sharpfuzz_version" >/dev/null
  fi
}

# Publishes the targets and instruments only Ws101.dll: coverage of the library is what guides the fuzzer (the
# targets' own code and the runtime stay uninstrumented). Built aside and swapped in, so a failed build never leaves
# half an instrumented folder behind.
build_targets() {
  if [ "${FUZZ_SKIP_BUILD:-0}" = 1 ] && [ -f "$build/Ws101.Fuzz.dll" ]; then
    return
  fi
  echo "fuzz/run.sh: publishing fuzz/Ws101.Fuzz and instrumenting Ws101.dll"
  rm -rf "$build.new"
  if ! dotnet publish "$root/fuzz/Ws101.Fuzz/Ws101.Fuzz.csproj" -c Release -o "$build.new" >"$out/build.log" 2>&1; then
    tail -30 "$out/build.log" >&2
    echo "fuzz/run.sh: the build failed (see $out/build.log)" >&2
    exit 1
  fi
  "$sharpfuzz" "$build.new/Ws101.dll" >>"$out/build.log" 2>&1
  rm -rf "$build"
  mv "$build.new" "$build"
}

targets() {
  dotnet "$build/Ws101.Fuzz.dll" --list | awk '{print $1}'
}

stat_of() { # stat_of FILE KEY: one value of afl-fuzz's fuzzer_stats, 0 when absent
  local v
  v=$(awk -F' *: *' -v k="$2" '$1 == k {print $2}' "$1" 2>/dev/null || true)
  echo "${v:-0}"
}

# Replays every saved crash and hang: prints those that still fail, moves the others to fixed/ (fixed since they were
# found). Returns 1 when any finding is still open.
replay_findings() {
  local name=$1 dir=$2 open=0 file limit=$((timeout_ms * 2 / 1000 + 5))
  mkdir -p "$dir/fixed"
  # Crashes: one process replays them all and names each that fails, with its exception.
  if compgen -G "$dir/default/crashes/id:*" >/dev/null; then
    dotnet "$build/Ws101.Fuzz.dll" "$name" --replay "$dir/default/crashes" >"$dir/replay.log" 2>&1 || true
    for file in "$dir/default/crashes"/id:*; do
      if grep -qxF "FAILED $file" "$dir/replay.log"; then
        open=$((open + 1))
      else
        mv "$file" "$dir/fixed/"
      fi
    done
    if [ "$open" -gt 0 ]; then
      echo "  $open crashes still fail (all in $dir/replay.log); the distinct exceptions:"
      grep -A1 '^FAILED ' "$dir/replay.log" | grep -v -e '^FAILED ' -e '^--$' | sed 's/ at [0-9]*$//' | sort | uniq -c | sort -rn | head -5
      echo "  the first: $(grep -m1 '^FAILED ' "$dir/replay.log" | cut -d' ' -f2-)"
    fi
  fi
  # Hangs: confirmed when the input alone takes longer than twice afl-fuzz's timeout (plus the runtime's start).
  for file in "$dir/default/hangs"/id:*; do
    [ -e "$file" ] || continue
    if timeout "$limit" dotnet "$build/Ws101.Fuzz.dll" "$name" --replay "$file" >/dev/null 2>&1; then
      mv "$file" "$dir/fixed/"
    else
      open=$((open + 1))
      echo "  still hangs or fails (no result within $limit s): $file"
    fi
  done
  [ "$open" -eq 0 ]
}

run_target() {
  local name=$1 seconds=$2 dir=$out/$1 seeds input dict=() before status=0
  if [ ! -d "$root/fuzz/corpus/$name" ]; then
    echo "fuzz/run.sh: no corpus folder fuzz/corpus/$name" >&2
    return 1
  fi
  if [ "${FUZZ_FRESH:-0}" = 1 ]; then
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  if [ -f "$dir/default/fuzzer_stats" ]; then
    input=-   # resume from the queue of the previous run
  else
    rm -rf "$dir/default"
    seeds=$dir/seeds
    rm -rf "$seeds"
    mkdir -p "$seeds"
    cp "$root/fuzz/corpus/$name"/* "$seeds/"
    if [ -d "$root/fuzz/regressions/$name" ]; then
      for f in "$root/fuzz/regressions/$name"/*; do
        [ -e "$f" ] && cp "$f" "$seeds/regression-$(basename "$f")"
      done
    fi
    input=$seeds
  fi
  # The targets that read HTTP text get the handshake's tokens as a dictionary (fuzz/dictionaries/handshake.dict).
  case "$name" in
    http-*|*-handshake|diagnose|extensions) dict=(-x "$root/fuzz/dictionaries/handshake.dict") ;;
  esac
  before=$(stat_of "$dir/default/fuzzer_stats" execs_done)

  # AFL_SKIP_BIN_CHECK: the program afl-fuzz starts is `dotnet`, which has no AFL instrumentation of its own; the
  #   coverage comes from the instrumented Ws101.dll through SharpFuzz's fork server.
  # AFL_NO_AFFINITY: the machine is shared (and has 2 cores): do not pin to a core another job may be using.
  # AFL_SKIP_CPUFREQ, AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES: skip checks of the CPU governor and of core_pattern,
  #   system settings this script must not change on a shared machine; a .NET crash is an exception reported by
  #   the fork server, not a core dump, so core_pattern does not matter.
  # AFL_NO_UI: plain progress lines instead of the full-screen status, as the output goes to a log.
  # AFL_FAST_CAL: calibrate each new input 3 times instead of 8 (the runtime is deterministic here: stability 100 %).
  # DOTNET_GCHeapHardLimit: a target that allocates without bound fails with OutOfMemoryException, a crash, instead
  #   of slowly growing; -m bounds the address space (the runtime needs about 2 GB of it to start).
  set +e
  AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_NO_UI=1 AFL_FAST_CAL=1 \
  DOTNET_GCHeapHardLimit=$(printf '0x%x' $((heap_mb * 1024 * 1024))) \
    afl-fuzz -i "$input" -o "$dir" -t "$timeout_ms" -m "$memory_mb" -V "$seconds" "${dict[@]}" \
    -- dotnet "$build/Ws101.Fuzz.dll" "$name" >"$dir/afl.log" 2>&1
  status=$?
  set -e
  if [ "$status" -ne 0 ] || [ ! -f "$dir/default/fuzzer_stats" ]; then
    echo "$name: afl-fuzz failed (exit $status); the end of $dir/afl.log:"
    tail -25 "$dir/afl.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
    return 1
  fi
  local stats=$dir/default/fuzzer_stats total execs run_time rate crashes hangs paths
  total=$(stat_of "$stats" execs_done)
  # afl-fuzz carries execs_done over when it resumes; count what this run added.
  execs=$((total >= before ? total - before : total))
  run_time=$(stat_of "$stats" run_time)
  rate=$(stat_of "$stats" execs_per_sec)
  paths=$(stat_of "$stats" corpus_count)
  crashes=$(find "$dir/default/crashes" -name 'id:*' | wc -l)
  hangs=$(find "$dir/default/hangs" -name 'id:*' | wc -l)
  echo "$name: $execs executions in $seconds s ($rate/s over the run), $paths inputs in the queue, $crashes crashes, $hangs hangs saved; $total executions in all"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    replay_findings "$name" "$dir" || return 1
  fi
  return 0
}

[ $# -ge 1 ] || usage
install_tools
if [ "$1" = list ]; then
  build_targets
  targets
  exit 0
fi
if [ "$1" = cmin ]; then
  [ $# -eq 3 ] && [ -d "$3" ] || usage
  build_targets
  # afl-cmin keeps, for every edge of the instrumented library, the smallest input that reaches it.
  rm -rf "$out/cmin-$2"
  AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 \
    afl-cmin -i "$3" -o "$out/cmin-$2" -t "$timeout_ms" -m "$memory_mb" -- "$(readlink -f "$(command -v dotnet)")" "$build/Ws101.Fuzz.dll" "$2" >"$out/cmin-$2.log" 2>&1 \
    || { tail -20 "$out/cmin-$2.log" >&2; exit 1; }
  rm -rf "$root/fuzz/corpus/$2"
  mkdir -p "$root/fuzz/corpus/$2"
  cp "$out/cmin-$2"/* "$root/fuzz/corpus/$2/"
  echo "fuzz/run.sh: fuzz/corpus/$2 holds $(ls "$root/fuzz/corpus/$2" | wc -l) of the $(ls "$3" | wc -l) inputs of $3"
  exit 0
fi
[ $# -eq 2 ] || usage
case "$2" in ''|*[!0-9]*) usage ;; esac

# One fuzzing run per output folder at a time: a second one would rebuild the instrumented program under the first.
exec 9>"$out/.lock"
if ! flock -n 9; then
  echo "fuzz/run.sh: another run uses $out (a campaign?); set FUZZ_OUT to use another folder" >&2
  exit 1
fi

build_targets
failed=0
if [ "$1" = all ]; then
  for t in $(targets); do
    run_target "$t" "$2" || failed=$((failed + 1))
  done
  echo "fuzz/run.sh: $(targets | wc -l) targets, $failed with an open crash, hang or failure"
else
  targets | grep -qx "$1" || { echo "fuzz/run.sh: no target '$1'; targets: $(targets | tr '\n' ' ')" >&2; exit 64; }
  run_target "$1" "$2" || failed=1
fi
[ "$failed" -eq 0 ]
