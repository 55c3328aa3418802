#!/usr/bin/env bash
# A local 3-node RabbitMQ cluster, for replication work and its fault tests.
#
#   scripts/cluster.sh start          start the three nodes (reusing those that answer), join nodes 2 and 3 to
#                                     node 1; the last line on stdout is the comma-separated AMQP URIs
#   scripts/cluster.sh stop           stop the nodes this script started (never others)
#   scripts/cluster.sh status         print each node and the cluster's members; exit 0 only when all three
#                                     answer and run in one cluster
#   scripts/cluster.sh kill NODE      SIGKILL one node (NODE: 1, 2, 3 or its name, e.g. shc2@localhost)
#   scripts/cluster.sh restart NODE   start that node again and wait until it runs in the cluster
#
# Debian's rabbitmq-server (installed on first use, as scripts/broker.sh does) runs as the current user on
# 127.0.0.1, each node with its data and logs under .state/cluster/<node>/ and an empty plugin list; all share the
# Erlang cookie in $HOME/.erlang.cookie. The guest account works because RabbitMQ allows it from loopback.
#
# Settings (environment, or .env): STATEHOUSE_CLUSTER_PORTS (AMQP, 5681,5682,5683), STATEHOUSE_CLUSTER_DIST_PORTS
# (Erlang distribution, 25681,25682,25683), STATEHOUSE_CLUSTER_PREFIX (node names <prefix>1@localhost..., shc),
# STATEHOUSE_CLUSTER_START_TIMEOUT (seconds, 180), STATEHOUSE_CLUSTER_DIR (the nodes' data, logs and pid files,
# .state/cluster; relative to the repository). A second cluster beside the first needs its own ports, prefix and
# directory, e.g. the soak's: STATEHOUSE_CLUSTER_PORTS=5691,5692,5693 STATEHOUSE_CLUSTER_DIST_PORTS=25691,25692,25693
# STATEHOUSE_CLUSTER_PREFIX=shs STATEHOUSE_CLUSTER_DIR=.state/cluster-soak.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rmq_bin=/usr/lib/rabbitmq/bin

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"

IFS=', ' read -r -a ports <<<"$(env_value STATEHOUSE_CLUSTER_PORTS 5681,5682,5683)"
IFS=', ' read -r -a dist_ports <<<"$(env_value STATEHOUSE_CLUSTER_DIST_PORTS 25681,25682,25683)"
prefix=$(env_value STATEHOUSE_CLUSTER_PREFIX shc)
state=$(env_value STATEHOUSE_CLUSTER_DIR .state/cluster)
[[ $state == /* ]] || state="$root/$state"
start_timeout=$(env_value STATEHOUSE_CLUSTER_START_TIMEOUT 180)
((${#ports[@]} == 3 && ${#dist_ports[@]} == 3)) || die "STATEHOUSE_CLUSTER_PORTS and STATEHOUSE_CLUSTER_DIST_PORTS need three ports each"
all=(1 2 3)

node_name() { printf '%s%s@localhost' "$prefix" "$1"; }
node_dir() { printf '%s/%s%s' "$state" "$prefix" "$1"; }
port_of() { printf '%s' "${ports[$1 - 1]}"; }

ctl() {
  local i=$1
  shift
  HOME=${HOME:?HOME must be set (the Erlang cookie is in it)} "$rmq_bin/rabbitmqctl" -n "$(node_name "$i")" "$@"
}

# A real AMQP handshake, not just an open port: a broker answers the protocol header with a method frame (0x01).
amqp_answers() {
  local first
  # shellcheck disable=SC2016 # $1 is the inner bash's argument
  first=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 1 <&3' _ "$(port_of "$1")" 2>/dev/null \
    | od -An -tx1 | tr -d ' \n') || true
  [[ $first == 01 ]]
}

# The node runs its rabbit application and takes AMQP connections.
node_up() { timeout 30 "$rmq_bin/rabbitmqctl" -n "$(node_name "$1")" -q await_startup >/dev/null 2>&1 && amqp_answers "$1"; }

# A running rabbitmq-server process: not a reused pid, not a zombie (whose cmdline is empty).
is_node_process() {
  [[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline ]] && [[ $(tr '\0' ' ' <"/proc/$1/cmdline") == *rabbitmq-server* ]]
}

# The pid (of the rabbitmq-server wrapper) in the node's pid file, if that process is still the node we started.
own_pid() {
  local file pid
  file="$(node_dir "$1")/server.pid"
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  is_node_process "$pid" || return 1
  printf '%s\n' "$pid"
}

# The Erlang VM the wrapper runs (the wrapper turns SIGTERM into a clean stop; SIGKILL must hit the VM itself).
vm_pid() {
  local child
  for child in $(pgrep -P "$1" || true); do
    [[ $(cat "/proc/$child/comm" 2>/dev/null) == beam.smp ]] && { printf '%s\n' "$child"; return 0; }
  done
  return 1
}

# Cluster membership as node $2 sees it: "all" (members) or "running".
members() {
  local fn=all
  [[ $1 == running ]] && fn=all_running
  timeout 30 "$rmq_bin/rabbitmqctl" -n "$(node_name "$2")" -q eval "rabbit_nodes:$fn()." 2>/dev/null
}
# Node $2 is among the members ($1: all or running) as node $3 sees them.
member_of() { members "$1" "$3" | tr -d "[]' \n" | tr , '\n' | grep -qxF "$(node_name "$2")"; }

ensure_installed() {
  [[ -x $rmq_bin/rabbitmq-server ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "rabbitmq-server is not installed; run this as root once, or: sudo apt-get install rabbitmq-server"
  local service_before=no
  service rabbitmq-server status >/dev/null 2>&1 && service_before=yes
  log "installing Debian's rabbitmq-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends rabbitmq-server >&2
  # A service running now was started by the package's postinst (where the init policy allows it): not ours to keep.
  if [[ $service_before == no ]] && service rabbitmq-server status >/dev/null 2>&1; then
    log "stopping the rabbitmq-server service the package just started"
    service rabbitmq-server stop >&2 || systemctl stop rabbitmq-server >&2
  fi
}


launch() {
  local i=$1 dir name port
  dir=$(node_dir "$i") name=$(node_name "$i") port=$(port_of "$i")
  mkdir -p "$dir/mnesia" "$dir/log"
  # Our own (empty) plugin list: a system-wide enabled_plugins could start listeners on every interface.
  printf '[].\n' >"$dir/enabled_plugins"
  (
    export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
      RABBITMQ_NODENAME="$name" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
      RABBITMQ_DIST_PORT="${dist_ports[$i - 1]}" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" ERL_EPMD_ADDRESS=127.0.0.1 \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    # setsid: the node outlives this script and the terminal; fd 9 (the lock) must not stay held by it.
    exec setsid "$rmq_bin/rabbitmq-server" </dev/null >"$dir/server.out" 2>&1 9>&-
  ) &
  printf '%s\n' "$!" >"$dir/server.pid"
  log "started $name (pid $!, AMQP port $port, data in ${dir#"$root"/})"
}

# Launch node $1 unless it answers or our earlier launch of it still runs.
ensure_launched() {
  local pid
  if node_up "$1"; then
    log "$(node_name "$1") already answers on 127.0.0.1:$(port_of "$1"); using it"
  elif pid=$(own_pid "$1"); then
    log "$(node_name "$1") started earlier (pid $pid) does not answer yet; waiting for it"
  else
    launch "$1"
  fi
}

wait_up() {
  local i=$1 deadline=$2 dir pid
  dir=$(node_dir "$i")
  until node_up "$i"; do
    if pid=$(own_pid "$i"); then :; elif [[ -f $dir/server.pid ]]; then
      tail -n 40 "$dir/server.out" >&2 || true
      die "$(node_name "$i") exited during start; logs in ${dir#"$root"/}/log/"
    fi
    ((SECONDS < deadline)) || die "$(node_name "$i") did not answer within ${start_timeout}s; logs in ${dir#"$root"/}/log/"
    sleep 1
  done
}

# Join node $1 to the cluster of node $2 unless each lists the other. The node is reset first (join_cluster wants
# an empty node); one that node $2 still lists but that lost its data is forgotten by node $2 first.
ensure_joined() {
  local i=$1 to=$2 known=no
  if member_of all "$i" "$to"; then
    member_of all "$to" "$i" && return 0
    known=yes
  fi
  log "joining $(node_name "$i") to $(node_name "$to")"
  # The CLI prints feature-flag warnings while it joins; keep them in a file unless the join fails.
  local out
  out="$(node_dir "$i")/join.out"
  {
    ctl "$i" -q stop_app &&
      { [[ $known == no ]] || ctl "$to" -q forget_cluster_node "$(node_name "$i")"; } &&
      { ctl "$i" -q reset || ctl "$i" -q force_reset; } &&
      ctl "$i" -q join_cluster "$(node_name "$to")" &&
      ctl "$i" -q start_app
  } >"$out" 2>&1 || { cat "$out" >&2; die "$(node_name "$i") could not join $(node_name "$to")"; }
  # forget_cluster_node took the node out of the quorum queues and the streams; give it its replicas back
  # (rabbitmq-queues grow covers quorum queues only; a stream gets its replica with rabbitmq-streams add_replica).
  if [[ $known == yes ]]; then
    HOME=$HOME "$rmq_bin/rabbitmq-queues" -n "$(node_name "$to")" -q grow "$(node_name "$i")" all >>"$out" 2>&1 ||
      log "could not add $(node_name "$i") back to the quorum queues (see ${out#"$root"/})"
    local vhost name type
    while IFS=$'\t' read -r vhost name type; do
      [[ $type == stream ]] || continue
      HOME=$HOME "$rmq_bin/rabbitmq-streams" -n "$(node_name "$to")" -q add_replica --vhost "$vhost" "$name" "$(node_name "$i")" >>"$out" 2>&1 ||
        log "could not add $(node_name "$i") back to stream $name in vhost $vhost (see ${out#"$root"/})"
    done < <(stream_list "$to")
  fi
}

# "vhost<TAB>queue<TAB>type" for every queue of every vhost, as node $1 sees them.
stream_list() {
  local vhost
  for vhost in $(ctl "$1" -q list_vhosts --no-table-headers name 2>/dev/null); do
    ctl "$1" -q list_queues --vhost "$vhost" --no-table-headers name type 2>/dev/null | sed "s|^|$vhost\t|"
  done
}

wait_running() {
  local i=$1 via=$2 deadline=$3
  until member_of running "$i" "$via"; do
    ((SECONDS < deadline)) || die "$(node_name "$i") does not run in the cluster of $(node_name "$via") after ${start_timeout}s"
    sleep 1
  done
}

print_uris() {
  local i uris=()
  for i in "${all[@]}"; do uris+=("amqp://guest:guest@127.0.0.1:$(port_of "$i")/"); done
  (IFS=,; printf '%s\n' "${uris[*]}")
}

cmd_start() {
  ensure_installed
  ensure_cookie
  local i deadline=$((SECONDS + start_timeout)) began=$SECONDS
  # All three at once: nodes restarting from existing data wait for their peers' tables.
  for i in "${all[@]}"; do ensure_launched "$i"; done
  for i in "${all[@]}"; do wait_up "$i" "$deadline"; done
  for i in 2 3; do ensure_joined "$i" 1; done
  for i in 2 3; do wait_running "$i" 1 "$deadline"; done
  log "cluster of $(node_name 1), $(node_name 2), $(node_name 3) runs ($((SECONDS - began))s)"
  print_uris
}

cmd_stop() {
  local i pid stopping=()
  for i in "${all[@]}"; do
    if pid=$(own_pid "$i"); then
      kill -TERM "$pid"
      stopping+=("$i:$pid")
    else
      rm -f "$(node_dir "$i")/server.pid"
    fi
  done
  ((${#stopping[@]})) || { log "no node started by this script is running; nothing to stop"; return 0; }
  local deadline=$((SECONDS + 120)) entry
  for entry in "${stopping[@]}"; do
    i=${entry%%:*} pid=${entry#*:}
    while is_node_process "$pid"; do
      ((SECONDS < deadline)) || die "$(node_name "$i") (pid $pid) did not stop within 120s"
      sleep 0.5
    done
    rm -f "$(node_dir "$i")/server.pid"
    log "stopped $(node_name "$i") (pid $pid)"
  done
}

cmd_status() {
  local i pid up=() owner
  for i in "${all[@]}"; do
    owner="not started by this script"
    if pid=$(own_pid "$i"); then owner="started by this script, pid $pid"; fi
    if node_up "$i"; then
      up+=("$i")
      echo "up:   $(node_name "$i") amqp://guest:guest@127.0.0.1:$(port_of "$i")/ ($owner)"
    else
      echo "down: $(node_name "$i") (nothing answers on 127.0.0.1:$(port_of "$i"))"
    fi
  done
  ((${#up[@]})) || return 1
  echo "members (as $(node_name "${up[0]}") sees them): $(members all "${up[0]}")"
  echo "running (as $(node_name "${up[0]}") sees them): $(members running "${up[0]}")"
  ((${#up[@]} == 3)) || return 1
  for i in "${all[@]}"; do member_of running "$i" "${up[0]}" || return 1; done
}

# NODE as 1, 2, 3, shc2 or shc2@localhost.
node_index() {
  local arg=${1:-} i
  for i in "${all[@]}"; do
    if [[ $arg == "$i" || $arg == "$prefix$i" || $arg == "$(node_name "$i")" ]]; then printf '%s' "$i"; return 0; fi
  done
  die "unknown node '${arg}': use 1, 2, 3 or $(node_name 1), $(node_name 2), $(node_name 3)"
}

cmd_kill() {
  local i=$1 pid vm
  pid=$(own_pid "$i") || die "$(node_name "$i") was not started by this script (or is not running); not killing it"
  vm=$(vm_pid "$pid") || die "$(node_name "$i"): no Erlang VM under pid $pid"
  kill -KILL "$vm"
  local deadline=$((SECONDS + 30))
  while is_node_process "$pid"; do
    ((SECONDS < deadline)) || die "$(node_name "$i") wrapper (pid $pid) still runs 30s after its VM was killed"
    sleep 0.2
  done
  log "killed $(node_name "$i") (VM pid $vm, SIGKILL)"
}

cmd_restart() {
  local i=$1 j via="" deadline=$((SECONDS + start_timeout)) began=$SECONDS
  ensure_installed
  ensure_cookie
  ensure_launched "$i"
  wait_up "$i" "$deadline"
  for j in "${all[@]}"; do
    if [[ $j != "$i" ]] && node_up "$j"; then via=$j; break; fi
  done
  if [[ -n $via ]]; then
    ensure_joined "$i" "$via"
    wait_running "$i" "$via" "$deadline"
  else
    log "no other node answers; $(node_name "$i") runs alone"
  fi
  log "$(node_name "$i") runs in the cluster ($((SECONDS - began))s)"
}

main() {
  local cmd=${1:-}
  case $cmd in
    start | stop | kill | restart)
      local i=""
      [[ $cmd == kill || $cmd == restart ]] && i=$(node_index "${2:-}")
      # One change at a time: two concurrent starts would both launch a node.
      mkdir -p "$state"
      exec 9>"$state/lock"
      flock 9
      if [[ -n $i ]]; then "cmd_$cmd" "$i"; else "cmd_$cmd"; fi
      ;;
    status) cmd_status ;;
    *) die "usage: $0 start|stop|status|kill NODE|restart NODE" ;;
  esac
}

main "$@"
