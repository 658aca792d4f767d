#!/usr/bin/env bash
# Adaptive batching against two fixed batchings under one ramp of rates. On one embedded broker, the worker on the
# embedded default model (the shapes world's CLIP and ECLIPSE prior on DJL; --decoder none, one libtorch thread) runs
# in turn with fixed small batches (--batch-size 4 --max-wait-ms 2), fixed large ones (--batch-size 64
# --max-wait-ms 50) and adaptive ones (--batch-size 64 --latency-target-ms 100); each gets the same open-loop ramp,
# and `compare` sets the three side by side in one chart: answered/s and p99 latency against the target rate.
#   loadtest/bench/adaptive-ramp.sh [RATES] [STEP]        (default: 25,50,100,200,300,400 and 10s: about 5 minutes)
# Environment: THREADS (libtorch's intra-op threads, default 1), OUT (default target/adaptive-ramp).
# Needs: mvn -o -q -B -DskipTests install (worker and load tool jars).
set -euo pipefail
cd "$(dirname "$0")/../.."
rates="${1:-25,50,100,200,300,400}"; step="${2:-10s}"
out="${OUT:-target/adaptive-ramp}"; rm -rf "$out"; mkdir -p "$out"
threads="${THREADS:-1}"; target_ms=100
# One intra-op thread by default: steadier on a shared machine.
worker=(java -jar worker/target/umbra-worker.jar)
load=(java -jar loadtest/target/umbra-loadtest.jar)
. loadtest/bench/common.sh

start_broker "$out"
echo "broker: $bootstrap; ramp $rates /s, $step each; worker on $threads libtorch thread(s); $(nproc) cores," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Each worker reads the prompts topic from its end, in a group of its own (auto.offset.reset=latest, joined before
# the load starts): it never sees the requests, or the backlog, of the worker before it.
latest=(--kafka-property consumer.auto.offset.reset=latest)

run_setting() { # name, then the worker's batching options
  local name=$1; shift
  "${worker[@]}" run --bootstrap-servers "$bootstrap" --decoder none --threads "$threads" \
      --group-id "adaptive-ramp-$name-$$" \
      "${latest[@]}" "$@" > "$out/$name.worker.log" 2>&1 &
  local wpid=$!; pids+=($wpid)
  for _ in $(seq 120); do
    grep -q "assigned \[" "$out/$name.worker.log" && break
    kill -0 "$wpid" 2>/dev/null || { echo "the $name worker stopped:"; tail -20 "$out/$name.worker.log"; exit 1; }
    sleep 1
  done
  grep -q "assigned \[" "$out/$name.worker.log" || { echo "the $name worker got no partitions"; exit 1; }
  echo "== $name: $* ($(date +%T), load average $(cut -d' ' -f1 /proc/loadavg))"
  # Requests a saturated worker leaves unanswered past the grace are lost and the load tool exits 1: expected here.
  "${load[@]}" run --bootstrap-servers "$bootstrap" --ramp "$rates" --step "$step" --warmup 5s --grace 10s \
      --out "$out/$name" > "$out/$name.log" 2>&1 || true
  kill -0 "$broker" 2>/dev/null || { echo "the broker ended during the $name run (see $out/broker.log)"; exit 1; }
  [ -f "$out/$name/report.json" ] || { echo "the $name run failed:"; tail -3 "$out/$name.log"; exit 1; }
  sed -n '/^  requests/p; /^  steps/,/^  result size/{/^  result size/!p}' "$out/$name.log"
  kill -0 "$wpid" 2>/dev/null || echo "WARNING: the $name worker ended before its load did (see" \
      "$out/$name.worker.log): these figures are not the worker's"
  kill "$wpid" 2>/dev/null || true # SIGTERM: the worker answers what it holds and commits; at most 30 s
  for _ in $(seq 30); do kill -0 "$wpid" 2>/dev/null || break; sleep 1; done
  kill -9 "$wpid" 2>/dev/null || true
  wait "$wpid" 2>/dev/null || true
}

run_setting fixed-4 --batch-size 4 --max-wait-ms 2
run_setting fixed-64 --batch-size 64 --max-wait-ms 50
run_setting adaptive --batch-size 64 --latency-target-ms "$target_ms"

echo "== compared (load average $(cut -d' ' -f1-3 /proc/loadavg))"
title="Fixed batches (4 rows/2 ms, 64 rows/50 ms) and adaptive ($target_ms ms target, at most 64): $step steps,"
title+=" $threads libtorch thread(s)"
"${load[@]}" compare --label "fixed-4=$out/fixed-4" --label "fixed-64=$out/fixed-64" \
    --label "adaptive=$out/adaptive" --latency-target-ms "$target_ms" --out "$out" --title "$title"
echo "chart: $out/compare.png"
