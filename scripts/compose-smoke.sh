#!/usr/bin/env bash
# Smoke test of the compose files with real containers, the CLI on the host talking to them through the published ports.
#
#   scripts/compose-smoke.sh               docker-compose.yml: the broker and the worker turn healthy, the CLI puts and
#                                          gets; a restart of the worker container keeps what was committed (its volume
#                                          holds the store)
#   scripts/compose-smoke.sh --replicated  docker-compose.replicated.yml: three broker nodes form one cluster, both
#                                          workers turn healthy, the CLI (all three nodes in its URI list) puts and
#                                          gets; the primary's container is killed (docker kill), the other worker
#                                          takes the next commit, and the killed one, started again, catches up
#
# Exit 0 when every check passed; the last line is "N passed, N failed". Everything the run started is removed at the
# end (down -v), also when it fails.
#
# Needs a Docker engine (scripts/docker.sh start) and Compose (the `docker compose` plugin, or Debian 12's
# docker-compose 1.29). Images: STATEHOUSE_RABBITMQ_IMAGE and STATEHOUSE_WORKER_IMAGE when set (with a registry:
# rabbitmq:4.1-management and a worker built by `docker compose build`), otherwise the local stand-ins that
# scripts/images.sh builds (or finds current). The compose project is statehouse-smoke-<pid> on free loopback ports,
# with its own credentials and Erlang cookie, so it cannot meet another deployment on this machine.
#
# Settings (environment): STATEHOUSE_SMOKE_PROJECT (the compose project name, statehouse-smoke-<pid>),
# STATEHOUSE_SMOKE_TIMEOUT (seconds for a service to turn healthy, 240),
# STATEHOUSE_SMOKE_KEEP=1 (leave the project up for inspection; remove it with the printed command).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.state/compose-smoke"
project=${STATEHOUSE_SMOKE_PROJECT:-statehouse-smoke-$$}
timeout_s=${STATEHOUSE_SMOKE_TIMEOUT:-240}
passed=0
failed=0

log() { printf 'compose-smoke: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
pass() { passed=$((passed + 1)); log "ok: $*"; }
fail() { failed=$((failed + 1)); log "FAILED: $*"; }

if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
else
  die "no Compose: install the docker compose plugin, or on Debian 12: apt-get install docker-compose"
fi
replicated=0
compose_file=docker-compose.yml
case ${1:-} in
  "") ;;
  --replicated) replicated=1 compose_file=docker-compose.replicated.yml ;;
  *) die "usage: $0 [--replicated]" ;;
esac
compose() { "${compose_cmd[@]}" -p "$project" --project-directory "$root" -f "$root/$compose_file" "$@"; }

timeout 20 docker info >/dev/null 2>&1 || die "no Docker engine answers; start one: scripts/docker.sh start"

if [[ -z ${STATEHOUSE_RABBITMQ_IMAGE:-} || -z ${STATEHOUSE_WORKER_IMAGE:-} ]]; then
  log "STATEHOUSE_RABBITMQ_IMAGE/STATEHOUSE_WORKER_IMAGE not both set: using the local images of scripts/images.sh"
  images_out=$("$root/scripts/images.sh")
  eval "export $(tail -n 2 <<<"$images_out" | tr '\n' ' ')"
fi
log "images: $STATEHOUSE_RABBITMQ_IMAGE, $STATEHOUSE_WORKER_IMAGE"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
STATEHOUSE_BROKER_PORT=$(free_port)
STATEHOUSE_BROKER_PORT_2=$(free_port)
STATEHOUSE_BROKER_PORT_3=$(free_port)
STATEHOUSE_MANAGEMENT_PORT=$(free_port)
# Own credentials and cookie for the throw-away project, whatever .env says for the real one.
STATEHOUSE_BROKER_USER=smoke
STATEHOUSE_BROKER_PASS=smoke-$$
STATEHOUSE_ERLANG_COOKIE=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export STATEHOUSE_BROKER_PORT STATEHOUSE_BROKER_PORT_2 STATEHOUSE_BROKER_PORT_3 STATEHOUSE_MANAGEMENT_PORT \
  STATEHOUSE_BROKER_USER STATEHOUSE_BROKER_PASS STATEHOUSE_ERLANG_COOKIE
node_uri() { printf 'amqp://%s:%s@127.0.0.1:%s/' "$STATEHOUSE_BROKER_USER" "$STATEHOUSE_BROKER_PASS" "$1"; }
amqp=$(node_uri "$STATEHOUSE_BROKER_PORT")
if ((replicated)); then
  amqp="$amqp,$(node_uri "$STATEHOUSE_BROKER_PORT_2"),$(node_uri "$STATEHOUSE_BROKER_PORT_3")"
fi

mkdir -p "$state"
cleanup() {
  local rc=$?
  compose logs --no-color >"$state/$project.log" 2>&1 || true
  if [[ ${STATEHOUSE_SMOKE_KEEP:-} == 1 ]]; then
    log "kept; remove with: ${compose_cmd[*]} -p $project -f $compose_file down -v"
  else
    compose down -v --remove-orphans >/dev/null 2>&1 || log "down -v failed; remove by hand: ${compose_cmd[*]} -p $project -f $compose_file down -v"
  fi
  log "container logs in ${state#"$root"/}/$project.log"
  exit "$rc"
}
trap cleanup EXIT

# The CLI from this checkout, built once (Release, like the tests).
cli_dll="$root/src/Cli/bin/Release/net10.0/statehouse.dll"
log "building the CLI"
dotnet build "$root/src/Cli/Cli.csproj" -c Release -v quiet -nologo >"$state/cli-build.log" 2>&1 \
  || { tail -n 20 "$state/cli-build.log" >&2; die "the CLI did not build; log in ${state#"$root"/}/cli-build.log"; }
cli() { dotnet "$cli_dll" --amqp "$amqp" --timeout 20 "$@"; }

health_of() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null; }

# Waits until the service's container reports healthy; fails on unhealthy, an exit, or the timeout.
wait_healthy() {
  local service=$1 id status deadline=$((SECONDS + timeout_s)) start=$SECONDS
  while :; do
    id=$(compose ps -q "$service" 2>/dev/null || true)
    status=$([[ -n $id ]] && health_of "$id" || echo missing)
    case $status in
      healthy)
        pass "$service healthy after $((SECONDS - start))s"
        return 0
        ;;
      unhealthy)
        fail "$service unhealthy"
        return 1
        ;;
    esac
    if [[ -n $id && $(docker inspect --format '{{.State.Status}}' "$id") == exited ]]; then
      fail "$service exited: $(docker inspect --format '{{.State.ExitCode}}' "$id")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      fail "$service not healthy within ${timeout_s}s (status $status)"
      return 1
    fi
    sleep 2
  done
}

# The worker's /health body (one line of JSON), read inside its container (its HTTP port is on the container's loopback only).
health_body() {
  docker exec "$(compose ps -q "$1")" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9464 && printf "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && tail -n 1 <&3'
}
role_of() { health_body "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["role"])' 2>/dev/null || echo unknown; }

# The record as written: version $2 with value $3 (read with --min-commit-ts $4 when given, so a replica waits for it).
check_get() {
  local what=$1 version=$2 expected=$3 min=${4:-} out
  if out=$(cli get smoke-agent probe --json ${min:+--min-commit-ts "$min"} 2>&1) && python3 -c '
import json, sys
r = json.loads(sys.argv[1])
sys.exit(0 if r["exists"] and r["version"] == int(sys.argv[2]) and r["value"] == json.loads(sys.argv[3]) else 1)' "$out" "$version" "$expected"; then
    pass "$what: version $version with the value written"
  else
    fail "$what: $out"
  fi
}

# Puts $1; put_ts is then the commit_ts the CLI reported (empty when the put failed).
put_probe() {
  local out
  put_ts=""
  if out=$(cli put smoke-agent probe "$1" 2>&1); then
    put_ts=$(sed -n 's/.* at commit_ts \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
    pass "put through the published port: $(head -n 1 <<<"$out")"
  else
    fail "put: $out"
  fi
}

log "up: project $project ($compose_file), AMQP on 127.0.0.1:$STATEHOUSE_BROKER_PORT"
start=$SECONDS
compose up -d >"$state/up.log" 2>&1 || { tail -n 20 "$state/up.log" >&2; die "compose up failed"; }
if ((replicated)); then services=(rabbitmq-1 rabbitmq-2 rabbitmq-3 worker-1 worker-2); else services=(rabbitmq worker); fi
for service in "${services[@]}"; do wait_healthy "$service" || exit 1; done
log "up and healthy in $((SECONDS - start))s"

value1="{\"smoke\":\"$project\",\"n\":1}"
put_probe "$value1"
check_get "get" 1 "$value1"

if ((replicated)); then
  nodes=$(docker exec "$(compose ps -q rabbitmq-1)" rabbitmqctl -q cluster_status --formatter json 2>/dev/null \
    | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["running_nodes"]))' 2>/dev/null || echo 0)
  if [[ $nodes == 3 ]]; then pass "one cluster of 3 running nodes"; else fail "running nodes in the cluster: $nodes"; fi

  primary="" replica=""
  for w in worker-1 worker-2; do
    case $(role_of "$w") in
      primary) primary=$w ;;
      replica) replica=$w ;;
    esac
  done
  if [[ -n $primary && -n $replica ]]; then
    pass "roles: $primary primary, $replica replica"
    # SIGKILL, and no restart policy in the way while the other worker takes over.
    docker update --restart=no "$(compose ps -q "$primary")" >/dev/null
    docker kill "$(compose ps -q "$primary")" >/dev/null
    value2="{\"smoke\":\"$project\",\"n\":2}"
    put_probe "$value2"
    ts=$put_ts
    check_get "get after the primary was killed" 2 "$value2" "$ts"
    if [[ $(role_of "$replica") == primary ]]; then pass "$replica took over as primary"; else fail "$replica is not primary"; fi
    docker start "$(compose ps -q "$primary")" >/dev/null
    wait_healthy "$primary" || exit 1
    last=$(health_body "$primary" | python3 -c 'import json, sys; print(json.load(sys.stdin)["last_commit_ts"])' 2>/dev/null || echo none)
    if [[ -n $ts && $last == "$ts" && $(role_of "$primary") == replica ]]; then
      pass "$primary back as a replica at commit_ts $last"
    else
      fail "$primary after its restart: role $(role_of "$primary"), last_commit_ts $last, expected $ts"
    fi
  else
    fail "roles: expected one primary and one replica, got worker-1 $(role_of worker-1), worker-2 $(role_of worker-2)"
  fi
else
  # The store is on the worker's volume: a restarted container serves what was committed before.
  compose restart worker >/dev/null 2>&1
  wait_healthy worker || exit 1
  check_get "get after a restart of the worker container" 1 "$value1"
fi

log "$passed passed, $failed failed"
printf '%s passed, %s failed\n' "$passed" "$failed"
((failed == 0))
