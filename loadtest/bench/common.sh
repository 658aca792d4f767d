# Sourced by the bench scripts: background processes stopped on exit, and an embedded broker to run against.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts loadtest/embedded-kafka.sh (2 partitions), logging to OUT/broker.log; sets $bootstrap and $broker (its pid).
start_broker() {
  local out=$1
  loadtest/embedded-kafka.sh --partitions 2 > "$out/broker.log" 2>&1 & broker=$!; pids+=($broker)
  for _ in $(seq 120); do grep -q "bootstrap servers:" "$out/broker.log" 2>/dev/null && break; sleep 1; done
  bootstrap=$(sed -n 's/^bootstrap servers: \([^ ]*\).*/\1/p' "$out/broker.log")
  [ -n "$bootstrap" ] || { echo "the broker did not start:"; cat "$out/broker.log"; exit 1; }
}
