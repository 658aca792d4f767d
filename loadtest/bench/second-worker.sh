#!/usr/bin/env bash
# One null-model worker against two in the same group, on one embedded broker and the same cores, alternating
# (1, 2, 1, 2 by default) under the same closed loop: does a second worker lower total throughput?
#   loadtest/bench/second-worker.sh [CONCURRENCY] [SECONDS] [ROUNDS]
# MODEL: the workers' --model (default null; "embedded" for the embedded shapes model); WORKER_OPTS: more options for every worker (e.g. "--kafka-property producer.linger.ms=20").
# Needs: mvn -o -q -B -DskipTests install (worker and load tool jars).
set -euo pipefail
cd "$(dirname "$0")/../.."
concurrency="${1:-4000}"; seconds="${2:-15}"; rounds="${3:-2}"
out="${OUT:-target/second-worker}"; rm -rf "$out"; mkdir -p "$out"
. loadtest/bench/common.sh
start_broker "$out"
load() {
  java -jar loadtest/target/umbra-loadtest.jar run --bootstrap-servers "$bootstrap" --concurrency "$concurrency" \
      --duration "${seconds}s" --warmup 5s --out "$out/$1" > "$out/$1.log" 2>&1 || true
  python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['results']['throughput']['answered_per_second']))" "$out/$1/report.json"
}
phase() { # workers, name
  local w=() model=(--model "${MODEL:-null}")
  [ "${MODEL:-}" = embedded ] && model=()
  for i in $(seq "$1"); do
    java -jar worker/target/umbra-worker.jar run --bootstrap-servers "$bootstrap" "${model[@]}" --worker-id "w$i" \
        --kafka-property consumer.auto.offset.reset=latest ${WORKER_OPTS:-} > "$out/$2-w$i.log" 2>&1 &
    w+=($!); pids+=($!)
  done
  for i in $(seq "$1"); do
    for _ in $(seq 60); do grep -q "assigned \[.\+\]" "$out/$2-w$i.log" && break; sleep 1; done
  done
  sleep 3   # the group settles after the last join
  echo "$1 worker(s): $(load "$2")/s"
  for p in "${w[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
}
phase 1 warm > /dev/null   # warms the broker; not counted
for r in $(seq "$rounds"); do phase 1 "one-$r"; phase 2 "two-$r"; done
