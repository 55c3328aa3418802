#!/usr/bin/env bash
# Runs every test of the solution in Release against real brokers and a real Docker engine. Works alone on a fresh
# machine:
# - the single broker (scripts/broker.sh) unless STATEHOUSE_TEST_AMQP already names one; it is left running;
# - the 3-node cluster of the replication tests (scripts/cluster.sh) unless STATEHOUSE_TEST_CLUSTER already names one.
#   It starts in the background while the solution builds (about 20 s, hidden behind the build), and is stopped at the
#   end if this script started it (a cluster that already ran is used and left running);
# - a Docker engine (scripts/docker.sh, installed on first use) and the images of the container tests: the local
#   stand-ins of scripts/images.sh, unless STATEHOUSE_RABBITMQ_IMAGE and STATEHOUSE_WORKER_IMAGE both name images
#   already. Both start in the background while the solution builds and the first suites run; the engine is stopped at
#   the end if this script started it (the images stay, as the cache of the next run).
#
# Without arguments it runs, in this order: every test project except Testcontainers.Tests on the local broker;
# then the container paths (docs/containers.md): Testcontainers.Tests (the Statehouse.Testcontainers module), the
# integration suite once more with its broker from Testcontainers instead of the local node, and the compose smoke test
# (scripts/compose-smoke.sh). Containers, networks and volumes those leave behind fail the run (Testcontainers' reaper,
# Ryuk, is off: its image cannot be pulled here, and the tests remove what they start).
# Extra arguments go to one `dotnet test` of the whole solution instead (e.g. --filter "FullyQualifiedName~Crash").
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
# Docker: the engine (which may install docker.io with apt: rabbitmq-server is installed by now) and the images, in
# the background; waited for just before the container tests.
docker_log=.state/test-docker.log
docker_job=""
started_docker=false
clean_up() {
  if [[ -n $cluster_job ]]; then wait "$cluster_job" 2>/dev/null || true; fi
  if [[ $started_cluster == true ]]; then scripts/cluster.sh stop >>"$cluster_log" 2>&1 || echo "test: could not stop the cluster (see $cluster_log)"; fi
  if [[ -n $docker_job ]]; then wait "$docker_job" 2>/dev/null || true; fi
  if [[ $started_docker == true ]]; then scripts/docker.sh stop >>"$docker_log" 2>&1 || echo "test: could not stop the Docker engine (see $docker_log)"; fi
}
trap clean_up EXIT
if [[ -z ${STATEHOUSE_TEST_CLUSTER:-} ]]; then
  scripts/cluster.sh status >/dev/null 2>&1 || started_cluster=true
  scripts/cluster.sh start >"$cluster_log" 2>&1 &
  cluster_job=$!
fi
scripts/docker.sh status >/dev/null 2>&1 || started_docker=true
if [[ -n ${STATEHOUSE_RABBITMQ_IMAGE:-} && -n ${STATEHOUSE_WORKER_IMAGE:-} ]]; then
  scripts/docker.sh start >"$docker_log" 2>&1 &
else
  { scripts/docker.sh start && scripts/images.sh; } >"$docker_log" 2>&1 &
fi
docker_job=$!

# Waits for the engine and the images, and exports what the container tests need: the image settings, the engine's
# API version (Testcontainers for .NET asks for a newer one than Debian 12's engine speaks) and Ryuk off.
docker_ready() {
  local ok=true
  if [[ -n $docker_job ]]; then
    wait "$docker_job" || ok=false
    docker_job=""
  fi
  if [[ $ok == false ]]; then
    # The container tests then fail, saying how to get an engine; the summary says why.
    echo "test: the Docker engine or the images are not ready (scripts/docker.sh start; scripts/images.sh; log in $docker_log):"
    tail -n 20 "$docker_log"
    return 1
  fi
  if [[ -z ${STATEHOUSE_RABBITMQ_IMAGE:-} || -z ${STATEHOUSE_WORKER_IMAGE:-} ]]; then
    STATEHOUSE_RABBITMQ_IMAGE=$(sed -n 's/^STATEHOUSE_RABBITMQ_IMAGE=//p' "$docker_log" | tail -n 1)
    STATEHOUSE_WORKER_IMAGE=$(sed -n 's/^STATEHOUSE_WORKER_IMAGE=//p' "$docker_log" | tail -n 1)
  fi
  DOCKER_API_VERSION=${DOCKER_API_VERSION:-$(docker version --format '{{.Server.APIVersion}}')}
  TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}
  export STATEHOUSE_RABBITMQ_IMAGE STATEHOUSE_WORKER_IMAGE DOCKER_API_VERSION TESTCONTAINERS_RYUK_DISABLED
  echo "test: Docker API $DOCKER_API_VERSION, images $STATEHOUSE_RABBITMQ_IMAGE and $STATEHOUSE_WORKER_IMAGE, Ryuk disabled: $TESTCONTAINERS_RYUK_DISABLED"
}

# What the container tests of this run create carries the session label org.statehouse.test-session=<session>
# (Testcontainers.Tests and the tests' broker fixture put it on), or belongs to the compose project
# statehouse-smoke-<session>. One "<kind> <id>" per line.
session=$(date -u +%Y%m%d%H%M%S)-$$
export STATEHOUSE_TEST_SESSION=$session STATEHOUSE_SMOKE_PROJECT=statehouse-smoke-$session
labelled() {
  docker container ls -aq --filter "label=$1" | sed 's/^/container /'
  docker volume ls -q --filter "label=$1" | sed 's/^/volume /'
  docker network ls -q --filter "label=$1" | sed 's/^/network /'
}
ours() { { labelled "org.statehouse.test-session=$session"; labelled "com.docker.compose.project=$STATEHOUSE_SMOKE_PROJECT"; } | sort -u; }
# Any container, volume or network of Testcontainers, this run's or not.
testcontainers() { labelled org.testcontainers=true | sort -u; }
# Fails when the container tests left containers, volumes or networks of this run's session behind, and removes them.
# New Testcontainers resources without the session label (a test that does not label what it starts, or someone
# else's on a shared engine) are named, neither removed nor counted.
check_leftovers() {
  local before=$1 leftovers others kind id
  leftovers=$(ours)
  others=$(comm -13 <(echo "$before") <(testcontainers) | grep -vxF -f <(echo "$leftovers") || true)
  if [[ -n $others ]]; then
    echo "test: note: Testcontainers resources appeared during the container tests without this run's label (left alone):"
    echo "$others"
  fi
  if [[ -z $leftovers ]]; then
    echo "test: the container tests left no container, volume or network of this run behind"
    return 0
  fi
  echo "test: the container tests left these behind (removed now):"
  echo "$leftovers"
  while read -r kind id; do docker "$kind" rm -f "$id" >/dev/null 2>&1 || docker "$kind" rm "$id" >/dev/null 2>&1 || true; done <<<"$leftovers"
  return 1
}

dotnet_test() {
  dotnet test "$@" -c Release --no-build -m:1 --logger "console;verbosity=normal" \
    --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee -a "$output"
  return "${PIPESTATUS[0]}"
}

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
smoke=""
if ((rc == 0)) && (($# > 0)); then
  docker_ready || true
  dotnet_test Statehouse.Queue.sln "$@"
  rc=$?
elif ((rc == 0)); then
  phase_start=$SECONDS
  dotnet_test Statehouse.Queue.sln --filter "FullyQualifiedName!~Statehouse.Testcontainers.Tests"
  rc=$?
  echo "test: the suites on the local broker took $((SECONDS - phase_start)) s"
  phase_start=$SECONDS
  echo "test: the container paths (docs/containers.md)"
  if docker_ready; then
    before=$(testcontainers)
    dotnet_test tests/Testcontainers.Tests/Testcontainers.Tests.csproj || rc=1
    echo "test: Integration.Tests once more, its broker from Testcontainers ($STATEHOUSE_RABBITMQ_IMAGE)"
    local_broker=$STATEHOUSE_TEST_AMQP
    unset STATEHOUSE_TEST_AMQP
    dotnet_test tests/Integration.Tests/Integration.Tests.csproj || rc=1
    export STATEHOUSE_TEST_AMQP=$local_broker
    scripts/compose-smoke.sh 2>&1 | tee -a "$output"
    ((PIPESTATUS[0] == 0)) || rc=1
    smoke=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$output" | tail -n 1)
    check_leftovers "$before" || rc=1
    echo "test: the container paths took $((SECONDS - phase_start)) s"
  else
    smoke="not run: no Docker engine or images"
    rc=1
  fi
fi
set -e

# One closing line over all test projects: the sum of each project's summary (zero counts are omitted there).
awk '/^ *Passed: [0-9]+ *$/ { p += $2 } /^ *Failed: [0-9]+ *$/ { f += $2 } /^ *Skipped: [0-9]+ *$/ { s += $2 }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$output"
if [[ -n $smoke ]]; then echo "compose smoke: $smoke"; fi
if ((rc != 0)); then echo "test: a step failed (exit code $rc)"; fi
exit "$rc"
