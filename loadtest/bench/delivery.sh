#!/usr/bin/env bash
# What exactly-once costs: one worker with --delivery at-least-once against one with --delivery exactly-once,
# alternating (a, e, a, e by default) under the same closed loop on one embedded broker; the load tool reads results
# read_committed in both, as an exactly-once reader would.
#   loadtest/bench/delivery.sh [CONCURRENCY] [SECONDS] [ROUNDS]
# MODEL: the worker's --model (default null; "embedded" for the embedded shapes model); WORKER_OPTS: more options.
# Needs: mvn -o -q -B -DskipTests install (worker and load tool jars).
set -euo pipefail
cd "$(dirname "$0")/../.."
concurrency="${1:-2000}"; seconds="${2:-15}"; rounds="${3:-2}"
out="${OUT:-target/delivery}"; rm -rf "$out"; mkdir -p "$out"
. loadtest/bench/common.sh
start_broker "$out"
phase() { # delivery, name
  local model=(--model "${MODEL:-null}")
  [ "${MODEL:-}" = embedded ] && model=()
  java -jar worker/target/umbra-worker.jar run --bootstrap-servers "$bootstrap" "${model[@]}" --worker-id "$2" \
      --delivery "$1" --kafka-property consumer.auto.offset.reset=latest ${WORKER_OPTS:-} > "$out/$2-worker.log" 2>&1 &
  local w=$!; pids+=($w)
  for _ in $(seq 60); do grep -q "assigned \[.\+\]" "$out/$2-worker.log" && break; sleep 1; done
  java -jar loadtest/target/umbra-loadtest.jar run --bootstrap-servers "$bootstrap" --concurrency "$concurrency" \
      --duration "${seconds}s" --warmup 5s --kafka-property consumer.isolation.level=read_committed \
      --out "$out/$2" > "$out/$2.log" 2>&1 || true
  kill "$w"; wait "$w" 2>/dev/null || true
  python3 - "$out/$2/report.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))['results']
t, l = r['throughput'], r['latency']
print(f"{sys.argv[2]:>14}: {t['answered_per_second']:.0f} answered/s, latency p50 {l['p50']:.0f} ms, p99 {l['p99']:.0f} ms,"
      f" lost {r['measured']['lost']}, duplicates {r['measured']['duplicates']}")
PY
}
phase at-least-once warm > /dev/null   # warms the broker; not counted
for r in $(seq "$rounds"); do phase at-least-once "a$r"; phase exactly-once "e$r"; done
