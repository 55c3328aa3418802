#!/usr/bin/env bash
# Runs every test of the solution in Release against a real broker. Works alone on a fresh machine:
# it starts the broker (scripts/broker.sh) unless STATEHOUSE_TEST_AMQP already names one.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Crash").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z ${STATEHOUSE_TEST_AMQP:-} ]]; then
  STATEHOUSE_TEST_AMQP=$(scripts/broker.sh start | tail -n 1)
  export STATEHOUSE_TEST_AMQP
fi
echo "test: broker $STATEHOUSE_TEST_AMQP"

mkdir -p .state
output=.state/test-output.log
: >"$output"

# The hang timeout bounds a stuck test (it kills the test host) so that a run always ends.
set +e
# Build once (in parallel), then run the test projects one after another: each starts real worker processes and
# brokers, and on a 2-core machine running them side by side only makes their timeouts the thing under test.
dotnet build Statehouse.Queue.sln -c Release -nologo -clp:ErrorsOnly\;Summary 2>&1
rc=${PIPESTATUS[0]}
if ((rc == 0)); then
  dotnet test Statehouse.Queue.sln -c Release --no-build -m:1 --logger "console;verbosity=normal" \
    --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee "$output"
  rc=${PIPESTATUS[0]}
fi
set -e

# One closing line over all test projects: the sum of each project's summary (zero counts are omitted there).
awk '/^ *Passed: [0-9]+ *$/ { p += $2 } /^ *Failed: [0-9]+ *$/ { f += $2 } /^ *Skipped: [0-9]+ *$/ { s += $2 }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$output"
if ((rc != 0)); then echo "test: dotnet test exited with code $rc"; fi
exit "$rc"
