#!/usr/bin/env bash
# End to end on this machine: starts the broker (scripts/broker.sh), builds and starts a worker with its
# store in .state/demo/<prefix>, runs the demo (a multi-key transaction committed, its commit_ts printed, the
# values read back), then stops the worker with SIGTERM. Exits with the demo's exit code.
#
# Usage: scripts/demo.sh [--prefix PREFIX]
#   --prefix  queue prefix of the demo's deployment (env STATEHOUSE_DEMO_PREFIX). Default: a new one per run,
#             demo-<8 random hex digits>, so that on a shared broker the demo never joins a deployment another
#             worker serves (it would become a second worker of that prefix with a store of its own). A prefix
#             given here keeps its store in .state/demo/<prefix> from run to run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

prefix=${STATEHOUSE_DEMO_PREFIX:-}
while (($# > 0)); do
  case $1 in
    --prefix)
      (($# >= 2)) || { echo "demo: --prefix needs a value" >&2; exit 2; }
      prefix=$2
      shift 2
      ;;
    -h | --help)
      sed -n '6,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "demo: unknown argument '$1' (usage: scripts/demo.sh [--prefix PREFIX])" >&2
      exit 2
      ;;
  esac
done

generated_prefix=false
if [[ -z $prefix ]]; then
  prefix="demo-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  generated_prefix=true
fi
if [[ ! $prefix =~ ^[A-Za-z0-9._-]{1,100}$ ]]; then
  echo "demo: --prefix must be 1-100 characters of A-Z a-z 0-9 . _ -, got '$prefix'" >&2
  exit 2
fi

ready_timeout=${STATEHOUSE_DEMO_READY_TIMEOUT:-60}
worker_dll=src/Worker/bin/Release/net10.0/Statehouse.Worker.dll
demo_dll=src/Demo/bin/Release/net10.0/Statehouse.Demo.dll
worker_log=.state/demo-worker.log

uri=$(scripts/broker.sh start | tail -n 1)

echo "demo: building the worker and the demo (Release)"
dotnet build src/Worker/Worker.csproj -c Release -nologo -v quiet
dotnet build src/Demo/Demo.csproj -c Release -nologo -v quiet

# One store per prefix: a store belongs to one deployment.
data_dir="$PWD/.state/demo/$prefix"
mkdir -p "$data_dir"
echo "demo: queue prefix $prefix, store $data_dir"
dotnet "$worker_dll" --Statehouse:Storage:Path="$data_dir" --Statehouse:Broker:Uri="$uri" \
  --Statehouse:Broker:QueuePrefix="$prefix" >"$worker_log" 2>&1 &
worker_pid=$!

# Running, and not a zombie waiting for this script to reap it.
worker_running() { [[ $(awk '{ print $3 }' "/proc/$worker_pid/stat" 2>/dev/null) =~ ^[^ZX]$ ]]; }

stop_worker() {
  worker_running || return 0
  kill -TERM "$worker_pid"
  local deadline=$((SECONDS + 30))
  while worker_running; do
    if ((SECONDS >= deadline)); then
      echo "demo: the worker did not stop within 30s of SIGTERM; killing it" >&2
      kill -KILL "$worker_pid"
      break
    fi
    sleep 0.2
  done
  local worker_rc=0
  wait "$worker_pid" || worker_rc=$?
  echo "demo: worker stopped (exit code $worker_rc)"
  if [[ $generated_prefix == true ]]; then
    # Nobody can name this run's deployment again: its store is of no further use.
    rm -rf "$data_dir"
  fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

deadline=$((SECONDS + ready_timeout))
until grep -q 'Statehouse worker ready' "$worker_log"; do
  if ! worker_running || ((SECONDS >= deadline)); then
    if worker_running; then
      echo "demo: the worker is not ready after ${ready_timeout}s; its log ($worker_log):" >&2
    else
      echo "demo: the worker exited before it was ready; its log ($worker_log):" >&2
    fi
    cat "$worker_log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "demo: worker ready (pid $worker_pid, log in $worker_log)"

set +e
dotnet "$demo_dll" --amqp "$uri" --prefix "$prefix"
rc=$?
set -e
exit "$rc"
