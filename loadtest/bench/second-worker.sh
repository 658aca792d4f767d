#!/usr/bin/env bash
# One null-model worker against two in the same group, on one embedded broker and the same cores, alternating
# (1, 2, 1, 2 by default) under the same closed loop: does a second worker lower total throughput?
#   loadtest/bench/second-worker.sh [CONCURRENCY] [SECONDS] [ROUNDS]
# LOAD: the load instead of the closed loop (e.g. "--rate 6000"). Prints the workers' and the broker's CPU time per
# answered request (over warm-up and measurement) beside the throughput.
# MODEL: the workers' --model (default null; "embedded" for the embedded shapes model); WORKER_OPTS: more options for every worker (e.g. "--kafka-property producer.linger.ms=20").
# Needs: mvn -o -q -B -DskipTests install (worker and load tool jars).
set -euo pipefail
cd "$(dirname "$0")/../.."
concurrency="${1:-4000}"; seconds="${2:-15}"; rounds="${3:-2}"
out="${OUT:-target/second-worker}"; rm -rf "$out"; mkdir -p "$out"
. loadtest/bench/common.sh
start_broker "$out"
cpu_ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
load() { # name, worker pids...
  local name=$1; shift
  local w0 b0; w0=$(cpu_ticks "$@"); b0=$(cpu_ticks "$broker")
  java -jar loadtest/target/umbra-loadtest.jar run --bootstrap-servers "$bootstrap" ${LOAD:---concurrency "$concurrency"} \
      --duration "${seconds}s" --warmup 5s --out "$out/$name" > "$out/$name.log" 2>&1 || true
  local w1 b1; w1=$(cpu_ticks "$@"); b1=$(cpu_ticks "$broker")
  python3 - "$out/$name/report.json" $((w1 - w0)) $((b1 - b0)) "$(getconf CLK_TCK)" "$seconds" <<'PY'
import json, sys
rate = json.load(open(sys.argv[1]))['results']['throughput']['answered_per_second']
worker, broker, tck, seconds = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
answered = rate * (seconds + 5)  # the warm-up answers at about the same rate
print(f"{round(rate)}/s, CPU per request: workers {worker / tck / answered * 1e6:.0f} us, broker {broker / tck / answered * 1e6:.0f} us")
PY
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
  echo "$1 worker(s): $(load "$2" "${w[@]}")"
  for p in "${w[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
}
phase 1 warm > /dev/null   # warms the broker; not counted
for r in $(seq "$rounds"); do phase 1 "one-$r"; phase 2 "two-$r"; done
