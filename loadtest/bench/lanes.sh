#!/usr/bin/env bash
# Inference lanes against intra-op threads on the same cores: one worker with A_OPTS against one with B_OPTS,
# alternating (a, b, a, b by default) under the same closed loop on one embedded broker.
#   loadtest/bench/lanes.sh [CONCURRENCY] [SECONDS] [ROUNDS]
# A_OPTS (default "--threads 2 --inference-lanes 1", the CPU default on 2 cores) and B_OPTS (default "--threads 1
# --inference-lanes 2"): worker options; MODEL: the worker's --model (default: the embedded shapes model, --decoder
# none). Needs: mvn -o -q -B -DskipTests install (worker and load tool jars).
set -euo pipefail
cd "$(dirname "$0")/../.."
concurrency="${1:-64}"; seconds="${2:-15}"; rounds="${3:-2}"
a_opts="${A_OPTS:---threads 2 --inference-lanes 1}"; b_opts="${B_OPTS:---threads 1 --inference-lanes 2}"
out="${OUT:-target/lanes}"; rm -rf "$out"; mkdir -p "$out"
. loadtest/bench/common.sh
start_broker "$out"
phase() { # options, name
  local model=()
  [ -n "${MODEL:-}" ] && model=(--model "$MODEL")
  # shellcheck disable=SC2086 # the options are a list
  java -jar worker/target/umbra-worker.jar run --bootstrap-servers "$bootstrap" "${model[@]}" --decoder none \
      --worker-id "$2" --kafka-property consumer.auto.offset.reset=latest $1 > "$out/$2-worker.log" 2>&1 &
  local w=$!; pids+=($w)
  for _ in $(seq 60); do grep -q "assigned \[.\+\]" "$out/$2-worker.log" && break; sleep 1; done
  java -jar loadtest/target/umbra-loadtest.jar run --bootstrap-servers "$bootstrap" --concurrency "$concurrency" \
      --duration "${seconds}s" --warmup 5s --out "$out/$2" > "$out/$2.log" 2>&1 || true
  kill "$w"; wait "$w" 2>/dev/null || true
  python3 - "$out/$2/report.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))['results']
t, l, w = r['throughput'], r['latency'], r['worker']
print(f"{sys.argv[2]:>32}: {t['answered_per_second']:.1f} answered/s, p50 {l['p50']:.0f} ms, p99 {l['p99']:.0f} ms,"
      f" batch rows p50 {w['batch_size']['p50']:.0f}, compute p50 {w['compute_ms']['p50']:.1f} ms")
PY
}
phase "$a_opts" warm > /dev/null   # warms the broker; not counted
for r in $(seq "$rounds"); do phase "$a_opts" "a$r"; phase "$b_opts" "b$r"; done
