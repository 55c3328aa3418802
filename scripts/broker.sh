#!/usr/bin/env bash
# The RabbitMQ broker Statehouse needs, on this machine.
#
#   scripts/broker.sh start    start a broker unless one already answers; the last line on stdout is its AMQP URI
#   scripts/broker.sh stop     stop the broker this script started (never one it did not start)
#   scripts/broker.sh status   exit 0 when a broker answers AMQP on 127.0.0.1, else 1
#   scripts/broker.sh uri      print the AMQP URI
#
# With a Docker engine it runs the `rabbitmq` service of docker-compose.yml (credentials from .env).
# Without one it runs a local node of Debian's rabbitmq-server (installed on first use) as the current
# user, with its data and logs under .state/rabbitmq/.
#
# Settings (environment, or .env): STATEHOUSE_BROKER_PORT (5672), STATEHOUSE_BROKER_USER and
# STATEHOUSE_BROKER_PASS (Docker only: the local node has Debian's guest/guest), STATEHOUSE_BROKER_NODENAME
# (local node name, rabbit@localhost), STATEHOUSE_BROKER_START_TIMEOUT (seconds, 120).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.state/rabbitmq"
pid_file="$state/broker.pid"
compose_marker="$state/compose-started"
rmq_bin=/usr/lib/rabbitmq/bin

log() { printf 'broker: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"

port=$(env_value STATEHOUSE_BROKER_PORT 5672)
node=$(env_value STATEHOUSE_BROKER_NODENAME rabbit@localhost)
start_timeout=$(env_value STATEHOUSE_BROKER_START_TIMEOUT 120)

amqp_answers() { amqp_answers_on "$port"; }

# The project name docker-compose.yml had as its top-level `name` (dropped for Compose 1.29).
compose() { docker compose -p statehouse --project-directory "$root" -f "$root/docker-compose.yml" "$@"; }

use_docker() {
  command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1 || return 1
  docker compose version >/dev/null 2>&1 && return 0
  log "a Docker engine answers but the docker compose plugin is missing; using a local node"
  return 1
}

compose_rabbitmq_running() { [[ -n $(compose ps -q --status running rabbitmq 2>/dev/null) ]]; }

# docker: the compose service runs, or would be started. local: anything else (a node outside compose has
# Debian's default guest account, which RabbitMQ allows from loopback).
current_mode() {
  if use_docker && { compose_rabbitmq_running || ! amqp_answers; }; then echo docker; else echo local; fi
}

print_uri() {
  local user=guest pass=guest
  if [[ $1 == docker ]]; then
    user=$(env_value STATEHOUSE_BROKER_USER statehouse)
    pass=$(env_value STATEHOUSE_BROKER_PASS statehouse)
  fi
  printf 'amqp://%s:%s@127.0.0.1:%s/\n' "$user" "$pass" "$port"
}

is_node_process() { process_is "$1" rabbitmq-server; }

# The pid in our pid file, if that process is still the node we started.
own_pid() { pid_in_file "$pid_file" rabbitmq-server; }

ensure_installed() {
  [[ -x $rmq_bin/rabbitmq-server ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "rabbitmq-server is not installed; run this as root once, or: sudo apt-get install rabbitmq-server"
  log "installing Debian's rabbitmq-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends rabbitmq-server >&2
  # We only get here when nothing answered on our port, so a service running now was started by the
  # package's postinst (where the init policy allows it). It holds 5672/25672: stop it for our node.
  if amqp_answers || service rabbitmq-server status >/dev/null 2>&1; then
    log "stopping the rabbitmq-server service the package just started"
    service rabbitmq-server stop >&2 || systemctl stop rabbitmq-server >&2
  fi
}


launch_local() {
  mkdir -p "$state/mnesia" "$state/log"
  ensure_cookie
  # Our own (empty) plugin list: a system-wide enabled_plugins could start listeners on every interface.
  printf '[].\n' >"$state/enabled_plugins"
  (
    export RABBITMQ_MNESIA_BASE="$state/mnesia" RABBITMQ_LOG_BASE="$state/log" \
      RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$state/enabled_plugins" ERL_EPMD_ADDRESS=127.0.0.1 \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    # setsid: the node outlives this script and the terminal; fd 9 (the lock) must not stay held by it.
    exec setsid "$rmq_bin/rabbitmq-server" </dev/null >"$state/server.out" 2>&1 9>&-
  ) &
  printf '%s\n' "$!" >"$pid_file"
  log "started a local node $node (pid $!, data in ${state#"$root"/})"
}

start_local() {
  ensure_installed
  local pid
  if pid=$(own_pid); then
    log "the node started earlier (pid $pid) does not answer yet; waiting for it"
  else
    launch_local
    pid=$(<"$pid_file")
  fi
  local deadline=$((SECONDS + start_timeout))
  until timeout 30 "$rmq_bin/rabbitmqctl" -n "$node" -q await_startup >/dev/null 2>&1 && amqp_answers; do
    if ! is_node_process "$pid"; then
      tail -n 40 "$state/server.out" >&2 || true
      die "the node exited during start; logs in ${state#"$root"/}/log/"
    fi
    ((SECONDS < deadline)) || die "the node did not answer within ${start_timeout}s; logs in ${state#"$root"/}/log/"
    sleep 1
  done
}

start_docker() {
  mkdir -p "$state"
  compose_rabbitmq_running || touch "$compose_marker"
  compose up -d rabbitmq >&2
  local deadline=$((SECONDS + start_timeout))
  until amqp_answers; do
    if ((SECONDS >= deadline)); then
      compose logs --tail 40 rabbitmq >&2 || true
      die "the rabbitmq container did not answer AMQP within ${start_timeout}s"
    fi
    sleep 1
  done
}

cmd_start() {
  local mode
  mode=$(current_mode)
  if amqp_answers; then
    log "a broker already answers on 127.0.0.1:$port; using it"
  elif [[ $mode == docker ]]; then
    start_docker
  else
    start_local
  fi
  print_uri "$mode"
}

cmd_stop() {
  local pid
  if [[ -f $compose_marker ]]; then
    use_docker || die "this script started the compose rabbitmq service, but no Docker engine answers now"
    compose stop rabbitmq >&2
    rm -f "$compose_marker"
    log "stopped the compose rabbitmq service"
  elif pid=$(own_pid); then
    stop_process "$pid" rabbitmq-server "the node"
    rm -f "$pid_file"
    log "stopped the local node (pid $pid)"
  else
    rm -f "$pid_file"
    log "no broker started by this script is running; nothing to stop"
  fi
}

cmd_status() {
  local owner="not started by this script" pid
  if [[ -f $compose_marker ]]; then owner="compose service started by this script"; fi
  if pid=$(own_pid); then owner="local node started by this script (pid $pid)"; fi
  if amqp_answers; then
    echo "up: $(print_uri "$(current_mode)") ($owner)"
  else
    echo "down: nothing answers AMQP on 127.0.0.1:$port"
    return 1
  fi
}

main() {
  local cmd=${1:-}
  case $cmd in
    start | stop) locked "$state" "cmd_$cmd" ;;
    status) cmd_status ;;
    uri) print_uri "$(current_mode)" ;;
    *) die "usage: $0 start|stop|status|uri" ;;
  esac
}

main "$@"
