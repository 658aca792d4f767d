#!/usr/bin/env bash
# Runs the benchmarks of docs/performance.md through the worker's `bench` Maven profile, from the
# repository root, offline. Usage:
#   worker/bench.sh jmh [JMH options]   JMH benchmarks (all, or e.g. `PriorBenchmark -p batch=8`);
#                                       JSON results in worker/target/bench/jmh.json
#   worker/bench.sh malloc [selection]  one JMH configuration (default: prior, Kandinsky size, batch 32) with
#                                       default glibc malloc and with the STACK-NOTES settings, alternated
#                                       twice; JSON in worker/target/bench/malloc-*.json
#   worker/bench.sh soak [options]      10,000 batches through EclipseModel.embed; CSV in docs/soak-rss.csv
#   worker/bench.sh report FILE...      JMH JSON results as the Markdown table of docs/performance.md
set -euo pipefail
cd "$(dirname "$0")/.."
out=worker/target/bench
mkdir -p "$out"

bench() { # main class, JVM options, arguments
    mvn -o -q -B -pl worker -am -Pbench test-compile -Dbench.main="$1" -Dbench.jvm="$2" -Dbench.args="$3"
}

case "${1:-}" in
    jmh)
        shift
        bench org.openjdk.jmh.Main -Xmx1g "-rf json -rff $out/jmh.json $*"
        ;;
    malloc)
        shift
        select="${*:-PriorBenchmark -p model=kandinsky -p batch=32}"
        tag=$(printf '%s' "$select" | tr -c 'A-Za-z0-9' '_')
        for round in 1 2; do
            bench org.openjdk.jmh.Main -Xmx1g "$select -rf json -rff $out/malloc-default-$tag-$round.json"
            MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967295 MALLOC_TOP_PAD_=268435456 \
                bench org.openjdk.jmh.Main -Xmx1g "$select -rf json -rff $out/malloc-tuned-$tag-$round.json"
        done
        ;;
    soak)
        shift
        # A fixed, pre-touched heap: its first use would otherwise read as RSS growth.
        bench dev.umbra.bench.SoakBenchmark "-Xms256m -Xmx256m -XX:+AlwaysPreTouch" "$*"
        ;;
    report)
        shift
        bench dev.umbra.bench.JmhReport -Xmx256m "$*"
        ;;
    *)
        sed -n '2,9p' "$0"
        exit 2
        ;;
esac
