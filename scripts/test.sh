#!/usr/bin/env bash
# Runs every test of the solution in Release against real brokers. Works alone on a fresh machine:
# - the single broker (scripts/broker.sh) unless STATEHOUSE_TEST_AMQP already names one; it is left running;
# - the 3-node cluster of the replication tests (scripts/cluster.sh) unless STATEHOUSE_TEST_CLUSTER already names one.
#   It starts in the background while the solution builds (about 20 s, hidden behind the build), and is stopped at the
#   end if this script started it (a cluster that already ran is used and left running).
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

# The cluster: started after the single broker (which installs rabbitmq-server on a fresh machine, so that the two
# never run apt at once), in the background; waited for just before the tests run.
cluster_log=.state/test-cluster.log
cluster_job=""
started_cluster=false
stop_cluster() {
  if [[ -n $cluster_job ]]; then wait "$cluster_job" 2>/dev/null || true; fi
  if [[ $started_cluster == true ]]; then scripts/cluster.sh stop >>"$cluster_log" 2>&1 || echo "test: could not stop the cluster (see $cluster_log)"; fi
}
if [[ -z ${STATEHOUSE_TEST_CLUSTER:-} ]]; then
  scripts/cluster.sh status >/dev/null 2>&1 || started_cluster=true
  trap stop_cluster EXIT
  scripts/cluster.sh start >"$cluster_log" 2>&1 &
  cluster_job=$!
fi

# The hang timeout bounds a stuck test (it kills the test host) so that a run always ends.
set +e
# Build once (in parallel), then run the test projects one after another: each starts real worker processes and
# brokers, and on a 2-core machine running them side by side only makes their timeouts the thing under test.
dotnet build Statehouse.Queue.sln -c Release -nologo -clp:ErrorsOnly\;Summary 2>&1
rc=${PIPESTATUS[0]}
if [[ -n $cluster_job ]]; then
  if wait "$cluster_job"; then
    STATEHOUSE_TEST_CLUSTER=$(tail -n 1 "$cluster_log")
    export STATEHOUSE_TEST_CLUSTER
  else
    # The replication tests then fail, saying how to start a cluster; every other test runs.
    echo "test: the cluster did not start (scripts/cluster.sh start, log in $cluster_log):"
    tail -n 20 "$cluster_log"
  fi
  cluster_job=""
fi
echo "test: cluster ${STATEHOUSE_TEST_CLUSTER:-(none)}"
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
