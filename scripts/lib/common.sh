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

# amqp_answers_on PORT: a real AMQP handshake on 127.0.0.1:PORT, not just an open port: a broker answers the protocol
# header with a method frame (0x01).
amqp_answers_on() {
  local first
  first=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 1 <&3' _ "$1" 2>/dev/null \
    | od -An -tx1 | tr -d ' \n') || true
  [[ $first == 01 ]]
}

# process_is PID PATTERN: PID runs and its command line contains PATTERN (not a reused pid, not a zombie, whose
# command line is empty).
process_is() {
  [[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline ]] && [[ $(tr '\0' ' ' <"/proc/$1/cmdline") == *"$2"* ]]
}

# pid_in_file FILE PATTERN: prints the pid in FILE when that process still runs PATTERN (the one a script started).
pid_in_file() {
  [[ -f $1 ]] || return 1
  local pid
  pid=$(<"$1")
  process_is "$pid" "$2" || return 1
  printf '%s\n' "$pid"
}

# stop_process PID PATTERN WHAT: SIGTERM, then waits up to 60 s for the process to end (dies naming WHAT if not).
stop_process() {
  kill -TERM "$1"
  local deadline=$((SECONDS + 60))
  while process_is "$1" "$2"; do
    ((SECONDS < deadline)) || die "$3 (pid $1) did not stop within 60s"
    sleep 0.5
  done
}

# locked DIR COMMAND...: runs COMMAND holding DIR/lock (fd 9), so that two starts or stops cannot interleave (two
# concurrent starts would both launch one). Whatever COMMAND starts must close fd 9 (9>&-) or it keeps the lock.
locked() {
  mkdir -p "$1"
  exec 9>"$1/lock"
  flock 9
  shift
  "$@"
}
