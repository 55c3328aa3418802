# Sourced by scripts/*.sh (needs $root, the repository root). env_value NAME DEFAULT prints a setting: like docker
# compose, a variable set in the environment wins over .env; empty means the default.
env_value() {
  local name=$1 default=$2 value=""
  if [[ -n ${!name+set} ]]; then
    value=${!name}
  elif [[ -f $root/.env ]]; then
    value=$(sed -n "s/^[[:space:]]*${name}[[:space:]]*=[[:space:]]*//p" "$root/.env" | tail -n 1)
    value=${value%$'\r'}
    value=${value#[\"\']}
    value=${value%[\"\']}
  fi
  printf '%s' "${value:-$default}"
}

# Local RabbitMQ nodes and rabbitmqctl share ~/.erlang.cookie; create it before any node starts so that they cannot
# race to create two different ones.
ensure_cookie() {
  local cookie="${HOME:?HOME must be set}/.erlang.cookie"
  [[ -f $cookie ]] && return 0
  (umask 077 && od -An -N15 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F >"$cookie")
  chmod 400 "$cookie"
}
