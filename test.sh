#!/usr/bin/env bash
# Runs every test of Ws101: installs what the tests need, builds, runs the whole suite, and ends
# with one line "N passed, N failed, N skipped". Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# scripts/install-test-deps.sh installs what the real-peer tests need (Chromium, Python's websockets,
# node and Node's ws; see docs/testing.md). Extra Debian packages: "command=package" or "py:module=package".
# tmux runs the interactive `ws101 connect` in a real terminal (tests/Ws101.Interop/Cli/CliInATerminalTests.cs);
# redis-server: the topics backplane tests start their own on a free loopback port (docs/topics.md).
# prometheus: the metrics test starts its own on a free loopback port and scrapes `ws101 serve --metrics` (docs/observability.md).
# afl++: the short fuzzing run below (fuzz/run.sh, docs/reliability.md "Fuzzing"); prlimit (util-linux): the
# descriptor-limit tests lower a running server's limit with it (tests/Ws101.Interop/Cli/ServeAtTheDescriptorLimitTests.cs).
# gcc: tests/Ws101.Interop/Bench/TlsLoadTests.cs compiles the bench's wss:// load generator (with libssl-dev, see
# scripts/install-test-deps.sh).
export WS101_TEST_DEPS="tmux=tmux redis-server=redis-server prometheus=prometheus afl-fuzz=afl++ prlimit=util-linux clang=clang gcc=gcc ${WS101_TEST_DEPS:-}"

if ! bash scripts/install-test-deps.sh; then
  echo "test.sh: installing the test dependencies failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

mkdir -p test-output
log=test-output/dotnet-test.log
dotnet test --solution Ws101.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform prints one summary for the whole run, after every test project's
# own "passed/failed (duration)" line: "total: N", "failed: N", "succeeded: N", "skipped: N" added up
# over all projects (checked with Ws101.Tests and Ws101.Interop). Read the last such block.
total=$(grep -E '^\s+total:' "$log" | tail -1 | grep -oE '[0-9]+' || true)
failed=$(grep -E '^\s+failed:' "$log" | tail -1 | grep -oE '[0-9]+' || true)
passed=$(grep -E '^\s+succeeded:' "$log" | tail -1 | grep -oE '[0-9]+' || true)
skipped=$(grep -E '^\s+skipped:' "$log" | tail -1 | grep -oE '[0-9]+' || true)

if [ -z "$total" ]; then
  # No summary: the build failed or the runner crashed. Count it as one failure so CI sees it.
  echo "test.sh: no test summary found (build error or runner crash); see $log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  failed=1
fi

# Every fuzz target under afl-fuzz for a short bounded time (WS101_FUZZ_SECONDS each, default 8: about two minutes
# for the eleven targets with the build), from the committed corpus, in a folder of its own so that a long campaign in
# fuzz/out is left alone. It counts as one test: it fails when a target has a crash or hang that still reproduces.
fuzz_log=test-output/fuzz.log
if FUZZ_OUT=test-output/fuzz FUZZ_FRESH=1 bash fuzz/run.sh all "${WS101_FUZZ_SECONDS:-8}" >"$fuzz_log" 2>&1; then
  passed=$(( ${passed:-0} + 1 ))
  echo "test.sh: fuzz/run.sh all ${WS101_FUZZ_SECONDS:-8}: no crash or hang ($fuzz_log)"
else
  failed=$(( ${failed:-0} + 1 ))
  status=1
  echo "test.sh: fuzz/run.sh all ${WS101_FUZZ_SECONDS:-8} found a crash or hang, or could not run; see $fuzz_log" >&2
  grep -v '^  ' "$fuzz_log" | tail -15 >&2
fi
# The runner prints each failure where it happened, thousands of lines up; CI keeps only the end of the output.
# Repeat every failed test's name and the first lines of its error here, just above the tally.
if grep -qE '^failed ' "$log"; then
  echo "test.sh: failed tests (details in $log):"
  awk '/^failed /{n=5} n>0{print "  " $0; n--}' "$log" | head -120
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
[ "$status" -eq 0 ] && [ "${failed:-0}" -eq 0 ]
