#!/usr/bin/env bash
# Local stand-in images for machines that cannot pull from public registries (needs root and a Docker engine:
# scripts/docker.sh start).
#
#   scripts/images.sh          build what is missing or stale; the last two lines on stdout are
#                              STATEHOUSE_RABBITMQ_IMAGE=<name> and STATEHOUSE_WORKER_IMAGE=<name>, ready to export
#   scripts/images.sh --force  rebuild all four images
#
# What it builds, all from Debian bookworm packages through the mirror apt uses here (or STATEHOUSE_DEBIAN_MIRROR):
#   statehouse-rabbitmq:local      debootstrap --variant=minbase --include=rabbitmq-server, then docker import. Runs
#                                  as user rabbitmq, logs to stdout, AMQP on 5672, management on 15672, guest allowed
#                                  from any address; RABBITMQ_DEFAULT_USER/_PASS and RABBITMQ_ERLANG_COOKIE work as
#                                  with the official image. Checked by starting it and opening AMQP on a published port.
#   statehouse-dotnet-aspnet:local stand-in for mcr.microsoft.com/dotnet/aspnet:10.0: a minbase rootfs with the .NET
#                                  runtime's Debian dependencies, this machine's /usr/share/dotnet runtimes (host fxr,
#                                  Microsoft.NETCore.App, Microsoft.AspNetCore.App), user app (APP_UID 1654), the
#                                  official image's environment, and this machine's extra CAs
#                                  (/usr/local/share/ca-certificates).
#   statehouse-dotnet-sdk:local    the same rootfs with this machine's whole /usr/share/dotnet (SDK and packs): the
#                                  stand-in for mcr.microsoft.com/dotnet/sdk:10.0.
#   statehouse-worker:local        src/Worker/Dockerfile, unchanged, with the two stand-ins as its base-image build
#                                  arguments (the restore inside it uses nuget.org, so the build runs on the host's
#                                  network). A user with a registry runs `docker compose build` instead.
#
# Cache: every image carries the label org.statehouse.inputs, a hash of what it is built from (the recipe below, the
# mirror, the .NET version; for the worker also its sources and the bases' image ids). An image whose label matches is
# not rebuilt. Logs of each step are under .state/images/.
#
# Settings (environment, or .env): STATEHOUSE_DEBIAN_MIRROR (default: the bookworm URI in /etc/apt/sources*),
# STATEHOUSE_DOTNET_ROOT (/usr/share/dotnet).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.state/images"
label=org.statehouse.inputs
suite=bookworm
rabbitmq_image=statehouse-rabbitmq:local
aspnet_image=statehouse-dotnet-aspnet:local
sdk_image=statehouse-dotnet-sdk:local
worker_image=statehouse-worker:local

log() { printf 'images: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"

# The URI of the apt source that serves bookworm itself (not -security or -updates), from deb822 or one-line files.
apt_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk -v RS= '/(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }')
  if [[ -z $uri ]]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')
  fi
  printf '%s' "${uri:-http://deb.debian.org/debian}"
}

mirror=$(env_value STATEHOUSE_DEBIAN_MIRROR "$(apt_mirror)")
dotnet_root=$(env_value STATEHOUSE_DOTNET_ROOT /usr/share/dotnet)

sha() { sha256sum | cut -c1-16; }

current_inputs() { docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true; }
# True when image $1 carries the inputs hash $2 and no rebuild was asked for (--force): nothing to build.
is_current() { [[ $force == 0 && $(current_inputs "$1") == "$2" ]]; }

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# After a rebuild, the image the name pointed at before is left without a name: remove it (unless a container or
# another name still uses it, which docker refuses quietly here).
remove_replaced() {
  local old=$1 image=$2
  [[ -n $old && $old != "$(image_id "$image")" ]] || return 0
  docker rmi "$old" >/dev/null 2>&1 || true
}

# Runs "$@" with its output in .state/images/<step>.log, and reports how long it took.
timed() {
  local step=$1 start=$SECONDS
  shift
  if ! "$@" >"$state/$step.log" 2>&1; then
    tail -n 30 "$state/$step.log" >&2
    die "$step failed; log in ${state#"$root"/}/$step.log"
  fi
  log "$step: $((SECONDS - start))s"
}

# Removes a rootfs. debootstrap mounts proc and sys inside it while it installs; a run that failed half-way can leave
# them mounted, and a plain rm -rf would then walk into the host's.
remove_rootfs() {
  local dir=$1 mount
  [[ $dir == "$state"/*-rootfs ]] || die "refusing to remove '$dir': not a rootfs under ${state#"$root"/}"
  [[ -e $dir ]] || return 0
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do
    umount -l "$mount"
  done
  rm -rf --one-file-system "$dir"
}

# debootstrap into a fresh directory (debootstrap keeps services from starting inside it: policy-rc.d exits 101).
bootstrap() {
  local dir=$1 include=$2
  remove_rootfs "$dir"
  debootstrap --variant=minbase --include="$include" "$suite" "$dir" "$mirror"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
}

import_rootfs() {
  local dir=$1 image=$2
  shift 2
  tar --numeric-owner --one-file-system -C "$dir" -c . | docker import "$@" - "$image"
}

# --- RabbitMQ ----------------------------------------------------------------------------------------------------

# The official image's entrypoint contract, for what compose and Testcontainers set.
read -r -d '' rabbitmq_entrypoint <<'EOF' || true
#!/bin/sh
# Written by scripts/images.sh: applies RABBITMQ_DEFAULT_USER/_PASS and RABBITMQ_ERLANG_COOKIE, then runs the node.
set -eu
if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then
  printf 'default_user = %s\ndefault_pass = %s\n' "$RABBITMQ_DEFAULT_USER" "${RABBITMQ_DEFAULT_PASS:-}" \
    >/etc/rabbitmq/conf.d/15-default-user.conf
fi
if [ -n "${RABBITMQ_ERLANG_COOKIE:-}" ]; then
  rm -f "$HOME/.erlang.cookie"
  (umask 077 && printf '%s' "$RABBITMQ_ERLANG_COOKIE" >"$HOME/.erlang.cookie")
  chmod 400 "$HOME/.erlang.cookie"
  unset RABBITMQ_ERLANG_COOKIE
fi
exec "$@"
EOF

read -r -d '' rabbitmq_conf <<'EOF' || true
loopback_users.guest = false
listeners.tcp.default = 5672
management.tcp.port = 15672
EOF

# /usr/lib/rabbitmq/bin first in PATH: Debian's /usr/sbin/rabbitmq-server wrapper sends the node's output to
# /var/log/rabbitmq/startup_log, and the container's log must be stdout (Testcontainers waits for a line in it).
rabbitmq_changes=(
  --change 'USER rabbitmq'
  --change 'WORKDIR /var/lib/rabbitmq'
  --change 'ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV HOME=/var/lib/rabbitmq'
  --change 'ENV LANG=C.UTF-8'
  --change 'ENV RABBITMQ_LOGS=-'
  --change 'EXPOSE 5672 15672 25672 4369'
  --change 'VOLUME /var/lib/rabbitmq'
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'
  --change 'CMD ["rabbitmq-server"]'
)

rabbitmq_inputs() {
  printf '%s\n' "$suite" "$mirror" rabbitmq-server "$rabbitmq_entrypoint" "$rabbitmq_conf" "${rabbitmq_changes[@]}" | sha
}

build_rabbitmq_rootfs() {
  local dir=$1
  bootstrap "$dir" rabbitmq-server
  printf '%s\n' "$rabbitmq_entrypoint" >"$dir/usr/local/bin/docker-entrypoint.sh"
  chmod 755 "$dir/usr/local/bin/docker-entrypoint.sh"
  mkdir -p "$dir/etc/rabbitmq/conf.d"
  printf '%s\n' "$rabbitmq_conf" >"$dir/etc/rabbitmq/conf.d/10-defaults.conf"
  printf '[rabbitmq_management].\n' >"$dir/etc/rabbitmq/enabled_plugins"
  # The node runs as rabbitmq: it writes the default-user file and its cookie, and owns its data and logs.
  chroot "$dir" chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
}

check_rabbitmq() {
  local id port deadline=$((SECONDS + 120))
  id=$(docker run -d --rm -p 127.0.0.1::5672 -e RABBITMQ_DEFAULT_USER=check -e RABBITMQ_DEFAULT_PASS=check "$rabbitmq_image")
  port=$(docker port "$id" 5672/tcp | head -n 1)
  port=${port##*:}
  # The log line Testcontainers' RabbitMQ module waits for, AMQP on the published port, and the node's own check.
  until docker logs "$id" 2>&1 | grep -q 'Server startup complete' && amqp_answers_on "$port" \
    && docker exec "$id" rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; do
    if ((SECONDS >= deadline)) || [[ -z $(docker ps -q --filter "id=$id") ]]; then
      docker logs --tail 40 "$id" >&2 || true
      docker rm -f -v "$id" >/dev/null 2>&1 || true
      die "$rabbitmq_image did not answer AMQP within 120s"
    fi
    sleep 1
  done
  docker rm -f -v "$id" >/dev/null
}

ensure_rabbitmq() {
  local inputs
  inputs=$(rabbitmq_inputs)
  if is_current "$rabbitmq_image" "$inputs"; then
    log "$rabbitmq_image is current ($inputs)"
    return 0
  fi
  local dir="$state/rabbitmq-rootfs" old
  old=$(image_id "$rabbitmq_image")
  timed rabbitmq-debootstrap build_rabbitmq_rootfs "$dir"
  timed rabbitmq-import import_rootfs "$dir" "$rabbitmq_image" "${rabbitmq_changes[@]}" --change "LABEL $label=$inputs"
  remove_rootfs "$dir"
  remove_replaced "$old" "$rabbitmq_image"
  timed rabbitmq-check check_rabbitmq
}

# --- .NET bases ----------------------------------------------------------------------------------------------------

dotnet_packages=ca-certificates,libicu72,libssl3,tzdata
app_uid=1654

dotnet_version() { "$dotnet_root/dotnet" --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { v = $2 } END { print v }'; }

dotnet_env=(
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change "ENV APP_UID=$app_uid"
  --change 'ENV ASPNETCORE_HTTP_PORTS=8080'
  --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true'
  --change 'ENV DOTNET_VERSION='"$(dotnet_version)"
)


sdk_env=(
  --change 'ENV DOTNET_NOLOGO=true'
  --change 'ENV DOTNET_GENERATE_ASPNET_CERTIFICATE=false'
  --change 'ENV NUGET_XMLDOC_MODE=skip'
)

dotnet_inputs() {
  printf '%s\n' "$suite" "$mirror" "$dotnet_packages" "$app_uid" "$1" "$("$dotnet_root/dotnet" --version)" \
    "$(dotnet_version)" "${dotnet_env[@]}" "$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null)" | sha
}

build_dotnet_rootfs() {
  local dir=$1
  bootstrap "$dir" "$dotnet_packages"
  # This machine's own certificate authorities (Debian's place for them): a TLS-inspecting proxy's CA must be trusted
  # for the restore inside the SDK stand-in to reach nuget.org.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
    chroot "$dir" update-ca-certificates
  fi
  chroot "$dir" groupadd --gid "$app_uid" app
  chroot "$dir" useradd --no-log-init --uid "$app_uid" --gid "$app_uid" --create-home app
  mkdir -p "$dir/usr/share/dotnet"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/shared" "$dir/usr/share/dotnet/"
  ln -s /usr/share/dotnet/dotnet "$dir/usr/bin/dotnet"
}

add_sdk() { cp -a "$dotnet_root/." "$1/usr/share/dotnet/"; }

ensure_dotnet_bases() {
  local aspnet_inputs sdk_inputs
  aspnet_inputs=$(dotnet_inputs aspnet)
  sdk_inputs=$(dotnet_inputs sdk)
  if is_current "$aspnet_image" "$aspnet_inputs" && is_current "$sdk_image" "$sdk_inputs"; then
    log "$aspnet_image and $sdk_image are current ($aspnet_inputs, $sdk_inputs)"
    return 0
  fi
  [[ -x $dotnet_root/dotnet ]] || die "no .NET at $dotnet_root (set STATEHOUSE_DOTNET_ROOT)"
  local dir="$state/dotnet-rootfs" old_aspnet old_sdk
  old_aspnet=$(image_id "$aspnet_image")
  old_sdk=$(image_id "$sdk_image")
  timed dotnet-debootstrap build_dotnet_rootfs "$dir"
  timed aspnet-import import_rootfs "$dir" "$aspnet_image" "${dotnet_env[@]}" --change "LABEL $label=$aspnet_inputs"
  timed sdk-copy add_sdk "$dir"
  timed sdk-import import_rootfs "$dir" "$sdk_image" "${dotnet_env[@]}" "${sdk_env[@]}" --change "LABEL $label=$sdk_inputs"
  remove_rootfs "$dir"
  remove_replaced "$old_aspnet" "$aspnet_image"
  remove_replaced "$old_sdk" "$sdk_image"
}

# --- the worker ----------------------------------------------------------------------------------------------------

# What the Dockerfile copies (tracked and untracked files, .gitignore applied), the Dockerfile and the bases' ids.
worker_inputs() {
  {
    (cd "$root" && git ls-files -co --exclude-standard -- src/Worker src/Contracts global.json Directory.Build.props \
      Directory.Packages.props .editorconfig .dockerignore | LC_ALL=C sort | xargs -d '\n' sha256sum)
    docker image inspect --format '{{.Id}}' "$sdk_image" "$aspnet_image"
  } | sha
}

build_worker() {
  docker build --network host --pull=false --force-rm -f "$root/src/Worker/Dockerfile" \
    --build-arg "DOTNET_SDK_IMAGE=$sdk_image" --build-arg "DOTNET_RUNTIME_IMAGE=$aspnet_image" \
    --label "$label=$1" -t "$worker_image" "$root"
}

ensure_worker() {
  local inputs
  inputs=$(worker_inputs)
  if is_current "$worker_image" "$inputs"; then
    log "$worker_image is current ($inputs)"
    return 0
  fi
  local old
  old=$(image_id "$worker_image")
  timed worker-build build_worker "$inputs"
  remove_replaced "$old" "$worker_image"
}

build_images() {
  log "Debian mirror: $mirror"
  ensure_rabbitmq
  ensure_dotnet_bases
  ensure_worker
}

main() {
  force=0
  case ${1:-} in
    "") ;;
    --force) force=1 ;;
    *) die "usage: $0 [--force]" ;;
  esac
  [[ $(id -u) -eq 0 ]] || die "debootstrap and chroot need root; run: sudo $0"
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2
  }
  timeout 20 docker info >/dev/null 2>&1 || die "no Docker engine answers; start one: scripts/docker.sh start"
  locked "$state" build_images
  printf 'STATEHOUSE_RABBITMQ_IMAGE=%s\n' "$rabbitmq_image"
  printf 'STATEHOUSE_WORKER_IMAGE=%s\n' "$worker_image"
}

main "$@"
