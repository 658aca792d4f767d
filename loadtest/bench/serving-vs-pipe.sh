#!/usr/bin/env bash
# Side by side on one embedded broker: the raw Kafka pipe (the load tool's baseline pass-through, results padded to
# the worker's size) and the worker on the null model (fixed embeddings, no computation), both driven by the same
# closed loop. Prints each run's summary and the ratio of their answered rates: the serving layer's own cost.
#   loadtest/bench/serving-vs-pipe.sh [CONCURRENCY] [SECONDS] [WORKER OPTIONS...]
# Needs: mvn -o -q -B -DskipTests install (worker and load tool jars).
set -euo pipefail
cd "$(dirname "$0")/../.."
concurrency="${1:-4000}"; seconds="${2:-20}"; shift $(( $# > 2 ? 2 : $# ))
out="${OUT:-target/serving-vs-pipe}"; rm -rf "$out"; mkdir -p "$out"
worker=(java -jar worker/target/umbra-worker.jar)
load=(java -jar loadtest/target/umbra-loadtest.jar)
. loadtest/bench/common.sh

start_broker "$out"
echo "broker: $bootstrap"

run_load() { # name, then extra load options
  local name=$1; shift
  "${load[@]}" run --bootstrap-servers "$bootstrap" --concurrency "$concurrency" --duration "${seconds}s" \
      --warmup 5s --out "$out/$name" "$@" > "$out/$name.log" 2>&1 || true
  sed -n '/^run .*closed loop/,$p' "$out/$name.log" | tail -n +2
}
answered() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results']['throughput']['answered_per_second'])" "$1"; }

pipe_phase() { # name: the pass-through at $bytes, loaded like the worker
  "${load[@]}" baseline --bootstrap-servers "$bootstrap" --result-bytes "$bytes" "${latest[@]}" > "$out/$1-baseline.log" 2>&1 &
  local ppid=$!; pids+=($ppid)
  sleep 10   # the pass-through logs no assignment: give its group join the time the worker's took, and more
  run_load "$1"
  kill "$ppid"; wait "$ppid" 2>/dev/null || true
}

# Each side reads the prompts topic from its end (auto.offset.reset=latest, joined before the load starts), so that
# neither answers the other's requests; the load's warm-up covers the rest of the start.
latest=(--kafka-property consumer.auto.offset.reset=latest)

# A fresh broker is slower until its JIT has warmed: a first pass-through run, not counted, warms it for both.
bytes=${RESULT_BYTES:-508}
echo "== warming the broker (pass-through, not counted)"; pipe_phase warm > /dev/null

"${worker[@]}" run --bootstrap-servers "$bootstrap" --model null "${latest[@]}" "$@" > "$out/worker.log" 2>&1 &
wpid=$!; pids+=($wpid)
for _ in $(seq 60); do grep -q "assigned \[" "$out/worker.log" && break; sleep 1; done
echo "== worker, null model ($*)"; run_load worker
bytes=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['results']['result_bytes']['mean']))" "$out/worker/report.json")
kill "$wpid"; wait "$wpid" 2>/dev/null || true

echo "== raw Kafka pipe (baseline pass-through, results of $bytes bytes)"; pipe_phase pipe-load
w=$(answered "$out/worker/report.json"); p=$(answered "$out/pipe-load/report.json")
python3 -c "import sys; w,p=float(sys.argv[1]),float(sys.argv[2]); print(f'worker {w:.0f}/s, pipe {p:.0f}/s: ratio {w/p:.2f}')" "$w" "$p"
