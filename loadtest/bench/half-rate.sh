#!/usr/bin/env bash
# Latency at half the maximum sustainable rate, against the target "p99 no more than the batching wait plus three
# times the batch compute time". On one embedded broker, one worker (the embedded shapes model, by default without a
# decoder): a closed loop finds the most it sustains, then an open loop at half that rate measures latency, and the
# load tool's `--max-wait-ms` line sets its p99 against max-wait + 3 x (p50 compute + p50 decode), the compute and
# decode times the worker's own (from the results' timings).
#   loadtest/bench/half-rate.sh [CONCURRENCY] [MAX_DURATION] [HALF_DURATION]   (defaults 64, 20s, 30s; 5 s warm-up each)
# WORKER_OPTS: more options for the worker; "--decoder none" unless they name a --decoder (e.g. "--decoder auto" for
# the model's own decoder, pictures included; "--threads 1"). The bound's wait is their --max-wait-ms, else 20 (the
# worker's default). OUT: where the logs and reports go (default target/half-rate).
# Needs: mvn -o -q -B -DskipTests install (worker and load tool jars).
set -euo pipefail
cd "$(dirname "$0")/../.."
concurrency="${1:-64}"; max_duration="${2:-20s}"; half_duration="${3:-30s}"
out="${OUT:-target/half-rate}"; rm -rf "$out"; mkdir -p "$out"
opts="${WORKER_OPTS:-}"
case " $opts " in *" --decoder"*) ;; *) opts="--decoder none $opts" ;; esac
max_wait=$(sed -n 's/.*--max-wait-ms[= ]\([0-9.]*\).*/\1/p' <<< "$opts"); max_wait="${max_wait:-20}"
case " $opts " in *" --latency-target-ms"*)
  echo "note: --latency-target-ms chooses its own waits; the bound below uses --max-wait-ms $max_wait" ;; esac
load=(java -jar loadtest/target/umbra-loadtest.jar)
. loadtest/bench/common.sh

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "half-rate: worker options: $opts; $(nproc) cores, load average $(loadavg) before the broker"
start_broker "$out"
# shellcheck disable=SC2086 # WORKER_OPTS is a list of options
java -jar worker/target/umbra-worker.jar run --bootstrap-servers "$bootstrap" $opts > "$out/worker.log" 2>&1 &
worker=$!; pids+=($worker)
for _ in $(seq 120); do
  grep -q "assigned \[.\+\]" "$out/worker.log" && break
  kill -0 "$worker" 2>/dev/null || { echo "the worker stopped:"; tail -20 "$out/worker.log"; exit 1; }
  sleep 1
done
grep -q "assigned \[.\+\]" "$out/worker.log" || { echo "the worker got no partitions"; tail -20 "$out/worker.log"; exit 1; }
sleep 2 # the group settles

field() { # report.json, python expression of r (its results)
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print($2)" "$1"
}

echo "max rate: closed loop of $concurrency for $max_duration (+5 s warm-up), load average $(loadavg)"
"${load[@]}" run --bootstrap-servers "$bootstrap" --concurrency "$concurrency" --duration "$max_duration" \
    --warmup 5s --out "$out/max" > "$out/max.log" 2>&1 || true
[ -f "$out/max/report.json" ] || { echo "the closed loop failed:"; tail -5 "$out/max.log"; exit 1; }
max_rate=$(field "$out/max/report.json" "r['throughput']['answered_per_second']")
half=$(python3 -c "import sys; print(round(float(sys.argv[1]) / 2, 1))" "$max_rate")

echo "half rate: open loop at $half/s for $half_duration (+5 s warm-up), load average $(loadavg)"
"${load[@]}" run --bootstrap-servers "$bootstrap" --rate "$half" --duration "$half_duration" --warmup 5s \
    --max-wait-ms "$max_wait" --out "$out/half" > "$out/half.log" 2>&1 || true
[ -f "$out/half/report.json" ] || { echo "the open loop failed:"; tail -5 "$out/half.log"; exit 1; }
kill -0 "$worker" 2>/dev/null || echo "WARNING: the worker ended before the load did (see $out/worker.log)"
echo "load average after: $(loadavg)"

python3 - "$out/max/report.json" "$out/half/report.json" <<'PY'
import json, sys
mx = json.load(open(sys.argv[1]))['results']
h = json.load(open(sys.argv[2]))['results']
lat, w = h['latency'], h['worker']
b = w['p99_bound'] if w else None
print(f"  max rate     {mx['throughput']['answered_per_second']:.1f} answered/s (closed loop; p50 {mx['latency']['p50']:.0f} ms,"
      f" worker batch rows p50 {mx['worker']['batch_size']['p50']:.0f})")
print(f"  half rate    {h['throughput']['target_per_second']:.1f}/s: answered {h['throughput']['answered_per_second']:.1f}/s,"
      f" lost {h['measured']['lost']}, dropped {h['measured']['dropped']}")
print(f"  latency      p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  p99 {lat['p99']:.1f}  max {lat['max']:.1f} ms"
      "   (load tool: from the intended send time to the result's arrival)")
if not b:
    print("  worker       no answer carried a batch's timings: no bound")
    sys.exit(0)
print(f"  worker (ms)  batch wait p50 {w['batch_wait_ms']['p50']:.1f}  compute p50 {w['compute_ms']['p50']:.1f}"
      f" (p99 {w['compute_ms']['p99']:.1f})  decode p50 {w['decode_ms']['p50']:.1f} (p99 {w['decode_ms']['p99']:.1f})"
      f"  batch rows p50 {w['batch_size']['p50']:.0f}   (the results' own timings)")
print(f"  bound        {b['max_wait_ms']:g} + 3 x ({b['compute_p50_ms']:.1f} + {b['decode_p50_ms']:.1f})"
      f" = {b['bound_ms']:.1f} ms; p99 {b['p99_ms']:.1f} ms: {'met' if b['met'] else 'NOT met'}"
      "   (this run's batches, p50 compute + decode)")
# The same bound with the compute of full batches: the closed loop's p50 (its decode includes the pool's queue).
mw = mx['worker']
full = b['max_wait_ms'] + 3 * (mw['compute_ms']['p50'] + mw['decode_ms']['p50'])
print(f"  full batches {b['max_wait_ms']:g} + 3 x ({mw['compute_ms']['p50']:.1f} + {mw['decode_ms']['p50']:.1f})"
      f" = {full:.1f} ms; p99 {b['p99_ms']:.1f} ms: {'met' if b['p99_ms'] <= full else 'NOT met'}"
      f"   (the closed loop's p50, {mw['batch_size']['p50']:.0f}-row batches; its decode includes the pool's queue)")
PY
