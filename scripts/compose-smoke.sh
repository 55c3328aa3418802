#!/usr/bin/env bash
# Smoke test of docker-compose.yml: the broker and the worker come up from their images, the worker turns healthy,
# and the CLI on the host commits and reads through the published AMQP port; a restart of the worker container keeps
# what was committed (its volume holds the store); then everything is removed (down -v).
#
#   scripts/compose-smoke.sh     exit 0 when every check passed; the last line is "compose-smoke: N passed, N failed"
#
# Needs a Docker engine (scripts/docker.sh start) and Compose (the `docker compose` plugin, or Debian 12's
# docker-compose 1.29). Images: STATEHOUSE_RABBITMQ_IMAGE and STATEHOUSE_WORKER_IMAGE when set (with a registry:
# rabbitmq:4.1-management and a worker built by `docker compose build`), otherwise the local stand-ins that
# scripts/images.sh builds (or finds current). The compose project is statehouse-smoke-<pid> on free loopback ports,
# so it cannot meet another deployment on this machine.
#
# Settings (environment): STATEHOUSE_SMOKE_TIMEOUT (seconds for the worker to turn healthy, 240),
# STATEHOUSE_SMOKE_KEEP=1 (leave the project up for inspection; remove it with the printed command).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.state/compose-smoke"
project="statehouse-smoke-$$"
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
compose() { "${compose_cmd[@]}" -p "$project" --project-directory "$root" -f "$root/docker-compose.yml" "$@"; }

timeout 20 docker info >/dev/null 2>&1 || die "no Docker engine answers; start one: scripts/docker.sh start"

if [[ -z ${STATEHOUSE_RABBITMQ_IMAGE:-} || -z ${STATEHOUSE_WORKER_IMAGE:-} ]]; then
  log "STATEHOUSE_RABBITMQ_IMAGE/STATEHOUSE_WORKER_IMAGE not both set: using the local images of scripts/images.sh"
  images_out=$("$root/scripts/images.sh")
  eval "export $(tail -n 2 <<<"$images_out" | tr '\n' ' ')"
fi
log "images: $STATEHOUSE_RABBITMQ_IMAGE, $STATEHOUSE_WORKER_IMAGE"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
STATEHOUSE_BROKER_PORT=$(free_port)
STATEHOUSE_MANAGEMENT_PORT=$(free_port)
# Fixed credentials for the throw-away project, whatever .env says for the real one.
STATEHOUSE_BROKER_USER=smoke
STATEHOUSE_BROKER_PASS=smoke-$$
export STATEHOUSE_BROKER_PORT STATEHOUSE_MANAGEMENT_PORT STATEHOUSE_BROKER_USER STATEHOUSE_BROKER_PASS
amqp="amqp://$STATEHOUSE_BROKER_USER:$STATEHOUSE_BROKER_PASS@127.0.0.1:$STATEHOUSE_BROKER_PORT/"

mkdir -p "$state"
cleanup() {
  local rc=$?
  compose logs --no-color >"$state/$project.log" 2>&1 || true
  if [[ ${STATEHOUSE_SMOKE_KEEP:-} == 1 ]]; then
    log "kept; remove with: ${compose_cmd[*]} -p $project -f docker-compose.yml down -v"
  else
    compose down -v --remove-orphans >/dev/null 2>&1 || log "down -v failed; remove by hand: ${compose_cmd[*]} -p $project down -v"
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

log "up: project $project, AMQP on 127.0.0.1:$STATEHOUSE_BROKER_PORT"
start=$SECONDS
compose up -d >"$state/up.log" 2>&1 || { tail -n 20 "$state/up.log" >&2; die "compose up failed"; }
wait_healthy rabbitmq || exit 1
wait_healthy worker || exit 1
log "up and healthy in $((SECONDS - start))s"

value="{\"smoke\":\"$project\",\"n\":1}"
if out=$(cli put smoke-agent probe "$value" 2>&1); then
  pass "put through the published port: $(head -n 1 <<<"$out")"
else
  fail "put: $out"
fi

check_get() {
  local what=$1 out
  if out=$(cli get smoke-agent probe --json 2>&1) && python3 -c '
import json, sys
r = json.loads(sys.argv[1])
sys.exit(0 if r["exists"] and r["version"] == 1 and r["value"] == json.loads(sys.argv[2]) else 1)' "$out" "$value"; then
    pass "$what: version 1 with the value written"
  else
    fail "$what: $out"
  fi
}
check_get "get"

# The store is on the worker's volume: a restarted container serves what was committed before.
compose restart worker >/dev/null 2>&1
wait_healthy worker || exit 1
check_get "get after a restart of the worker container"

log "$passed passed, $failed failed"
printf '%s passed, %s failed\n' "$passed" "$failed"
((failed == 0))
