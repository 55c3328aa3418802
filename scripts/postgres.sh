#!/usr/bin/env bash
# A local PostgreSQL for the benchmark's `postgres` mode: Debian's packages, our own cluster on loopback.
#
#   scripts/postgres.sh start    install (apt-get) if missing, create the cluster on first use, start it unless it
#                                runs; the last line on stdout is its Npgsql connection string
#   scripts/postgres.sh stop     stop the cluster this script runs (never another one)
#   scripts/postgres.sh status   exit 0 when our cluster runs, else 1
#   scripts/postgres.sh uri      print the connection string
#
# The cluster lives in .state/postgres/ (git-ignored): data/, its log, and the Unix socket. It listens on
# 127.0.0.1 only, port STATEHOUSE_PG_PORT (54329), with trust authentication for that address: a throwaway
# benchmark database, not a service. Durability settings stay at PostgreSQL's defaults (fsync=on,
# synchronous_commit=on), which is what the comparison needs. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` user the package creates.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.state/postgres"
data="$state/data"
socket_dir="$state/run"
log_file="$state/server.log"
port=${STATEHOUSE_PG_PORT:-54329}

log() { printf 'postgres: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

bin_dir() {
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/pg_ctl ]] || return 1
  printf '%s\n' "$dir"
}

ensure_installed() {
  bin_dir >/dev/null && return 0
  [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed; run this as root once, or: sudo apt-get install postgresql"
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends postgresql >&2
  bin_dir >/dev/null || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/pg_ctl was found"
}

# Runs a PostgreSQL binary as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

connection_string() {
  printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=postgres\n' "$port"
}

running() {
  local bin
  bin=$(bin_dir) || return 1
  [[ -f $data/PG_VERSION ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

ensure_cluster() {
  local bin=$1
  [[ -f $data/PG_VERSION ]] && return 0
  mkdir -p "$state" "$socket_dir"
  rm -rf "$data"
  mkdir -p "$data"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$state" "$data" "$socket_dir"; fi
  log "creating a cluster in ${data#"$root"/}"
  as_owner "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=trust -E UTF8 --no-locale >&2
}

cmd_start() {
  ensure_installed
  local bin
  bin=$(bin_dir)
  ensure_cluster "$bin"
  if running; then
    log "the cluster in ${data#"$root"/} already runs"
  else
    mkdir -p "$socket_dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$socket_dir"; touch "$log_file"; chown postgres: "$log_file"; fi
    # 9>&-: the server must not inherit the lock, or the next start/stop would wait for it forever.
    as_owner "$bin/pg_ctl" -D "$data" -l "$log_file" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$socket_dir -c max_connections=300" \
      start >&2 9>&- || { tail -n 30 "$log_file" >&2 || true; die "the cluster did not start; log in ${log_file#"$root"/}"; }
  fi
  connection_string
}

cmd_stop() {
  if running; then
    as_owner "$(bin_dir)/pg_ctl" -D "$data" -w -m fast stop >&2 9>&-
    log "stopped the cluster in ${data#"$root"/}"
  else
    log "our cluster is not running; nothing to stop"
  fi
}

cmd_status() {
  if running; then
    echo "up: $(connection_string) (data in ${data#"$root"/})"
  else
    echo "down: no cluster of this script runs"
    return 1
  fi
}

main() {
  case ${1:-} in
    start | stop)
      mkdir -p "$state"
      exec 9>"$state/lock"
      flock 9
      "cmd_$1"
      ;;
    status) cmd_status ;;
    uri) connection_string ;;
    *) die "usage: $0 start|stop|status|uri" ;;
  esac
}

main "$@"
