#!/usr/bin/env bash
# The load benchmark of issue 4, on this machine.
#
#   scripts/bench.sh           the comparison (echo, commit, commit-batch1, postgres, half-load), then docs/benchmarks.md
#   scripts/bench.sh rss       the memory check (a counted commit run, RSS sampled every second), then docs/benchmarks.md
#   scripts/bench.sh report    docs/benchmarks.md and docs/benchmarks.svg again from the JSON files
#   scripts/bench.sh burst     peak RSS of a worker over a backlog queued while it was stopped, per message size (a table)
#   scripts/bench.sh replication   commit and commit-replicated (a primary and a replica with their own stores) side by
#                              side on the local 3-node cluster, then docs/benchmarks.md with its Replication section
#
# It starts the broker (scripts/broker.sh) and PostgreSQL (scripts/postgres.sh) when needed, builds the worker and
# the bench in Release, and runs bench/Load (Statehouse.Bench), which starts its own worker and echo server processes,
# each on its own queue prefix and store under .state/bench/, and removes them afterwards.
#
# Settings (environment): BENCH_CLIENTS (8), BENCH_INFLIGHT (8), BENCH_OPS (3), BENCH_VALUE_BYTES (200),
# BENCH_SECONDS (30), BENCH_WARMUP (5), BENCH_MODES (echo,commit,commit-batch1,postgres,half-load; for replication
# commit,commit-replicated),
# BENCH_RSS_COUNT (1000000), BENCH_OUT (docs: where benchmarks.json/.md/.svg and benchmarks-rss.json go;
# point it elsewhere for a quick check, e.g. BENCH_SECONDS=5 BENCH_OUT=.state/bench-out scripts/bench.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=${BENCH_OUT:-docs}
bench_dll=bench/Load/bin/Release/net10.0/Statehouse.Bench.dll
load_args=(
  --clients "${BENCH_CLIENTS:-8}" --in-flight "${BENCH_INFLIGHT:-8}" --ops "${BENCH_OPS:-3}"
  --value-bytes "${BENCH_VALUE_BYTES:-200}" --seconds "${BENCH_SECONDS:-30}" --warmup "${BENCH_WARMUP:-5}"
)

build() {
  echo "bench: building the worker and the bench (Release)"
  dotnet build src/Worker/Worker.csproj -c Release -nologo -v quiet
  dotnet build bench/Load/Load.csproj -c Release -nologo -v quiet
}

report() {
  local rss=()
  [[ -f $out/benchmarks-rss.json ]] && rss=(--rss-json "$out/benchmarks-rss.json")
  local notes=()
  [[ -f $out/benchmarks-notes.md ]] && notes=(--notes "$out/benchmarks-notes.md")
  local replication=()
  [[ -f $out/benchmarks-replication.json ]] && replication=(--replication-json "$out/benchmarks-replication.json")
  [[ -f $out/benchmarks-replication-notes.md ]] && replication+=(--replication-notes "$out/benchmarks-replication-notes.md")
  dotnet "$bench_dll" report --json "$out/benchmarks.json" "${rss[@]}" "${notes[@]}" "${replication[@]}" \
    --out "$out/benchmarks.md" --svg "$out/benchmarks.svg"
}

mkdir -p "$out"
case ${1:-run} in
  run)
    modes=${BENCH_MODES:-echo,commit,commit-batch1,postgres,half-load}
    uri=$(scripts/broker.sh start | tail -n 1)
    pg=()
    if [[ ,$modes, == *,postgres,* ]]; then
      pg=(--postgres "$(scripts/postgres.sh start | tail -n 1)")
    fi
    build
    dotnet "$bench_dll" run --uri "$uri" "${load_args[@]}" --modes "$modes" "${pg[@]}" --json "$out/benchmarks.json"
    report
    ;;
  rss)
    uri=$(scripts/broker.sh start | tail -n 1)
    build
    dotnet "$bench_dll" rss --uri "$uri" "${load_args[@]}" --count "${BENCH_RSS_COUNT:-1000000}" --json "$out/benchmarks-rss.json"
    [[ -f $out/benchmarks.json ]] && report
    ;;
  burst)
    uri=$(scripts/broker.sh start | tail -n 1)
    build
    dotnet "$bench_dll" burst --uri "$uri" --sizes "${BENCH_BURST_SIZES:-1,8,15}"
    ;;
  replication)
    # Shares a cluster that already runs (another user's tests may be on it: the bench uses its own queue prefix and
    # never touches the nodes); starts one, and stops it afterwards, only when none runs.
    started_cluster=no
    if status=$(scripts/cluster.sh status 2>/dev/null); then
      uris=$(awk '$1 == "up:" { print $3 }' <<<"$status" | paste -sd, -)
    elif grep -q '^up:' <<<"$status"; then
      # Some nodes answer: someone else's cluster, with a node down on purpose (a fault test) or on its way up.
      echo "bench: the cluster runs only in part; not touching it (another user's test may have a node down); try again later:" >&2
      echo "$status" >&2
      exit 1
    else
      uris=$(scripts/cluster.sh start | tail -n 1)
      started_cluster=yes
    fi
    build
    code=0
    dotnet "$bench_dll" run --uri "$uris" "${load_args[@]}" --modes "${BENCH_MODES:-commit,commit-replicated}" \
      --json "$out/benchmarks-replication.json" || code=$?
    [[ $started_cluster == yes ]] && scripts/cluster.sh stop
    ((code == 0)) || exit "$code"
    [[ -f $out/benchmarks.json ]] && report
    ;;
  report)
    [[ -f $bench_dll ]] || dotnet build bench/Load/Load.csproj -c Release -nologo -v quiet
    report
    ;;
  *)
    echo "usage: $0 [run|rss|burst|replication|report]" >&2
    exit 2
    ;;
esac
