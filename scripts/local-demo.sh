#!/usr/bin/env bash
# Starts, in a temporary directory on loopback, a Redis master and replica and one Vigil watching
# them; shows what Vigil sees; stops everything it started (by PID), also on Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
vigil="$root/.build/debug/vigil"
work=$(mktemp -d /tmp/vigil-demo.XXXXXX)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 300); do if eval "$1" >/dev/null 2>&1; then return 0; fi; sleep 0.1; done; echo "timed out: $1" >&2; return 1; }

master=$(free_port); replica=$(free_port); sentinel=$(free_port)
redis-server --port "$master" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/master.log" 2>&1 &
pids+=($!)
redis-server --port "$replica" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --replicaof 127.0.0.1 "$master" >"$work/replica.log" 2>&1 &
pids+=($!)
cat >"$work/sentinel.conf" <<CONF
port $sentinel
bind 127.0.0.1
sentinel monitor mymaster 127.0.0.1 $master 1
sentinel down-after-milliseconds mymaster 2000
CONF
"$vigil" "$work/sentinel.conf" >"$work/vigil.log" 2>&1 &
pids+=($!)

wait_for "redis-cli -p $sentinel ping | grep -q PONG"
wait_for "[ \"\$(redis-cli -p $sentinel --raw sentinel master mymaster | sed -n '/^num-slaves$/{n;p}')\" = 1 ]"
wait_for "[ \"\$(redis-cli -p $sentinel --raw sentinel replicas mymaster | sed -n '/^master-link-status$/{n;p}')\" = ok ]"

echo "== Vigil on 127.0.0.1:$sentinel watches master 127.0.0.1:$master and replica 127.0.0.1:$replica"
echo; echo "== SENTINEL GET-MASTER-ADDR-BY-NAME mymaster"; redis-cli -p "$sentinel" sentinel get-master-addr-by-name mymaster
echo; echo "== SENTINEL MASTER mymaster"; redis-cli -p "$sentinel" --raw sentinel master mymaster | paste - -
echo; echo "== SENTINEL REPLICAS mymaster"; redis-cli -p "$sentinel" --raw sentinel replicas mymaster | paste - -
echo; echo "== INFO sentinel"; redis-cli -p "$sentinel" info sentinel
echo; echo "== Vigil's log"; cat "$work/vigil.log"
echo; echo "== The config file Vigil rewrote in place"; cat "$work/sentinel.conf"
