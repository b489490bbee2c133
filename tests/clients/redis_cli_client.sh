#!/usr/bin/env bash
# redis-cli: ask a sentinel for the master as scripts do, write, report the master's port.
# Usage: redis_cli_client.sh SENTINEL_PORT[,PORT...] KEY VALUE
set -u
IFS=, read -r -a ports <<< "$1"
key=$2 value=$3
for attempt in $(seq 1 600); do
  for port in "${ports[@]}"; do
    mapfile -t address < <(redis-cli -h 127.0.0.1 -p "$port" --raw SENTINEL GET-MASTER-ADDR-BY-NAME mymaster 2>/dev/null)
    [ "${#address[@]}" -eq 2 ] || continue
    if [ "$(redis-cli -h "${address[0]}" -p "${address[1]}" --raw SET "$key" "$value" 2>/dev/null)" = "OK" ]; then
      redis-cli -h "${address[0]}" -p "${address[1]}" --raw INFO server | tr -d '\r' | sed -n 's/^tcp_port://p'
      exit 0
    fi
  done
  sleep 0.05
done
echo "redis-cli: no write within 30 s" >&2
exit 1
