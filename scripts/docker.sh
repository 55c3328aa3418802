#!/usr/bin/env bash
# A Docker engine on this machine, for the container paths (scripts/images.sh, docker compose, Testcontainers).
#
#   scripts/docker.sh start    start an engine unless one already answers (installs Debian's docker.io and
#                              docker-compose first when missing; needs root for both); prints how to use it
#   scripts/docker.sh stop     stop the engine this script started (never one it did not start)
#   scripts/docker.sh status   exit 0 when an engine answers on the socket, else 1
#
# The engine is Debian's dockerd (docker.io) with the overlay2 storage driver, run in the background as root (no
# systemd here); its pid and log are under .state/docker/. Its images and containers live in dockerd's default data
# root (/var/lib/docker), so they outlive a stop/start. Debian 12 ships no `docker compose` plugin: its compose is
# the separate `docker-compose` 1.29 package (see scripts/compose-smoke.sh), and its engine (20.10) speaks Docker API
# 1.41 at most: Testcontainers needs DOCKER_API_VERSION set to it (the start prints the line).
#
# Settings (environment, or .env): STATEHOUSE_DOCKER_START_TIMEOUT (seconds, 60).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.state/docker"
pid_file="$state/dockerd.pid"
log_file="$state/dockerd.log"
socket=/var/run/docker.sock

log() { printf 'docker: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"

start_timeout=$(env_value STATEHOUSE_DOCKER_START_TIMEOUT 60)

# An engine answers its API on the socket (not just a socket file left behind by a dead daemon).
engine_answers() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }

is_dockerd() { process_is "$1" dockerd; }

own_pid() { pid_in_file "$pid_file" dockerd; }

compose_available() { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; }

# The engine, and Compose for scripts/compose-smoke.sh (Debian 12's is the docker-compose package).
ensure_installed() {
  local missing=()
  [[ -x /usr/sbin/dockerd ]] || missing+=(docker.io)
  compose_available || missing+=(docker-compose)
  ((${#missing[@]})) || return 0
  [[ $(id -u) -eq 0 ]] || die "${missing[*]} not installed; run this as root once, or: sudo apt-get install ${missing[*]}"
  log "installing Debian's ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

launch() {
  [[ $(id -u) -eq 0 ]] || die "dockerd runs as root here; run: sudo $0 start"
  mkdir -p "$state"
  # setsid: the engine outlives this script and the terminal; fd 9 (the lock) must not stay held by it.
  setsid /usr/sbin/dockerd --storage-driver=overlay2 --host="unix://$socket" \
    --pidfile="$state/dockerd.internal.pid" </dev/null >"$log_file" 2>&1 9>&- &
  printf '%s\n' "$!" >"$pid_file"
  log "started dockerd (pid $!, log in ${log_file#"$root"/})"
}

# Testcontainers for .NET asks for Docker API 1.44 unless told otherwise; Debian 12's engine answers up to 1.41.
usage_hint() {
  local api
  api=$(docker version --format '{{.Server.APIVersion}}' 2>/dev/null || echo unknown)
  log "use it with: docker info; scripts/images.sh builds the local images"
  log "engine API $api; for Testcontainers here: export DOCKER_API_VERSION=$api TESTCONTAINERS_RYUK_DISABLED=true"
}

cmd_start() {
  if engine_answers; then
    log "an engine already answers on $socket; using it"
    compose_available || log "no Compose here: install the docker compose plugin, or apt-get install docker-compose"
    usage_hint
    return 0
  fi
  ensure_installed
  local pid
  if pid=$(own_pid); then
    log "the engine started earlier (pid $pid) does not answer yet; waiting for it"
  else
    launch
    pid=$(<"$pid_file")
  fi
  local deadline=$((SECONDS + start_timeout))
  until engine_answers; do
    if ! is_dockerd "$pid"; then
      tail -n 40 "$log_file" >&2 || true
      die "dockerd exited during start; log in ${log_file#"$root"/}"
    fi
    ((SECONDS < deadline)) || die "dockerd did not answer within ${start_timeout}s; log in ${log_file#"$root"/}"
    sleep 1
  done
  log "engine up: $(docker info --format '{{.ServerVersion}}, storage driver {{.Driver}}')"
  usage_hint
}

cmd_stop() {
  local pid
  if pid=$(own_pid); then
    # dockerd stops its containers (their stop timeout, 10 s by default) before it exits.
    stop_process "$pid" dockerd dockerd
    rm -f "$pid_file"
    log "stopped dockerd (pid $pid)"
  else
    rm -f "$pid_file"
    log "no engine started by this script is running; nothing to stop"
  fi
}

cmd_status() {
  local owner="not started by this script" pid
  if pid=$(own_pid); then owner="started by this script, pid $pid"; fi
  if engine_answers; then
    echo "up: $(docker info --format 'Docker {{.ServerVersion}}, {{.Driver}}') on $socket ($owner)"
  else
    echo "down: no engine answers on $socket"
    return 1
  fi
}

main() {
  local cmd=${1:-}
  case $cmd in
    start | stop) locked "$state" "cmd_$cmd" ;;
    status) cmd_status ;;
    *) die "usage: $0 start|stop|status" ;;
  esac
}

main "$@"
