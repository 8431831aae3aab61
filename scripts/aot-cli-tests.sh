#!/usr/bin/env bash
# The CLI tests against the Native AOT ws101 (issue 19 item 2): publishes src/Ws101.Cli with PublishAot=true for
# linux-x64 (failing on any trim IL2xxx or AOT IL3xxx warning), then runs every test that runs the tool with WS101_CLI
# pointing at that binary, so that each `ws101 ...` the tests run is the AOT executable, not Ws101.Cli.dll:
#   - Ws101.Tests' CLI tests (tests/Ws101.Tests/Cli: CliRunner starts WS101_CLI as a process instead of running
#     in-process) and the Redis nodes of the scale-out tests (tests/Ws101.Tests/PubSub, CliNode);
#   - Ws101.Interop's CLI tests (tests/Ws101.Interop/Cli: serve, probe, bench, diagnose, the terminal sessions).
# Usage: [AOT_BINARY=path] scripts/aot-cli-tests.sh      (AOT_BINARY reuses a binary published before)
# Ends with "N passed, N failed" like ./test.sh and exits non-zero on a failure. Installs what the real peers need
# through scripts/install-test-deps.sh, as ./test.sh does. Everything runs on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${OUT:-/tmp/ws101-aot-cli-tests}
mkdir -p "$out"

if [ -z "${AOT_BINARY:-}" ]; then
  echo "aot-cli-tests: publishing the Native AOT ws101 (minutes on a busy machine)"
  dotnet publish src/Ws101.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out/publish" --nologo >"$out/publish.log" 2>&1 \
    || { tail -30 "$out/publish.log" >&2; exit 1; }
  if grep -q "warning IL" "$out/publish.log"; then
    echo "aot-cli-tests: the AOT publish has trim/AOT warnings:" >&2
    grep "warning IL" "$out/publish.log" | sort -u >&2
    exit 1
  fi
fi
aot=${AOT_BINARY:-$out/publish/Ws101.Cli}
[ -x "$aot" ] || { echo "aot-cli-tests: no executable at $aot" >&2; exit 1; }
file "$aot" 2>/dev/null | grep -q ELF || { echo "aot-cli-tests: $aot is not a native executable" >&2; exit 1; }

bash scripts/install-test-deps.sh >"$out/deps.log" 2>&1 || { tail -20 "$out/deps.log" >&2; exit 1; }
dotnet build Ws101.sln -c Release --nologo -v q >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }

export WS101_CLI=$aot
passed=0 failed=0 status=0
run() {
  local name=$1; shift
  local log=$out/$name.log
  echo "aot-cli-tests: $name ($*)"
  if dotnet "$@" -noColor >"$log" 2>&1; then :; else status=1; fi
  local line
  line=$(grep -E "Total: [0-9]+, Errors: [0-9]+, Failed: [0-9]+" "$log" | tail -1 || true)
  [ -n "$line" ] || { echo "aot-cli-tests: $name printed no summary (see $log)" >&2; status=1; return; }
  local total errors fail skipped
  total=$(sed -E 's/.*Total: ([0-9]+).*/\1/' <<<"$line"); errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
  fail=$(sed -E 's/.*Failed: ([0-9]+).*/\1/' <<<"$line"); skipped=$(sed -E 's/.*Skipped: ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + total - errors - fail - skipped)); failed=$((failed + errors + fail))
  grep -E "\[FAIL\]" "$log" | sed 's/^/  /' || true
}
tests=$root/tests/Ws101.Tests/bin/Release/net10.0/Ws101.Tests.dll
interop=$root/tests/Ws101.Interop/bin/Release/net10.0/Ws101.Interop.dll
run cli "$tests" -namespace Ws101.Tests.Cli -namespace Ws101.Tests.Cli.Bench -namespace Ws101.Tests.Cli.Probe
run nodes "$tests" -class Ws101.Tests.PubSub.HistoryTests -class Ws101.Tests.PubSub.NodeFaultTests -class Ws101.Tests.PubSub.PresenceTests
run interop-cli "$interop" -namespace Ws101.Interop.Cli
echo "aot-cli-tests: the tool was $aot ($(du -h "$aot" | cut -f1)); logs in $out"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
