#!/usr/bin/env bash
# Packs what deploy/gpu/run-gpu-checks.sh needs on a machine with a GPU but without Java or Maven into
# deploy/gpu/target/bundle/umbra-gpu-bundle.tar.xz (ignored by git; give that folder to a device run's carry):
#
#   jre/            a jlink runtime of this JDK with the modules the checks load, and its C headers (jni.h), which
#                   build-djl-jni.sh needs
#   lib/            the jars the checks load (found by running them here on the CPU with -Xlog:class+load), without
#                   the CPU libtorch jar and DJL's prebuilt JNI jar, and without other platforms' native libraries
#   classes/, test-classes/   the compiled worker and its tests, without the model, tokenizer, prompt and golden
#                   files: those travel in the source tree (worker/src/*/resources), put on the classpath there
#   junit/          RunTests (beside this script), a JUnit runner for the parity tests
#
# Usage: deploy/gpu/pack-bundle.sh [--skip-build]   (offline; needs a JDK 17+, Maven, python3 and xz; ~2 minutes)
#   --skip-build   use worker/target as it is (after `mvn -o -q -B -pl worker -am -DskipTests package`)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUTDIR="$ROOT/deploy/gpu/target/bundle"
REPO=${MAVEN_REPO:-$HOME/.m2/repository}
fail() { echo "pack-bundle: error: $*" >&2; exit 2; }
for t in java javac jlink mvn python3 xz; do command -v $t >/dev/null || fail "$t not found"; done

cd "$ROOT"
if [ "${1:-}" != "--skip-build" ]; then
    echo "pack-bundle: building the worker and its tests (mvn -o -DskipTests package) ..."
    mvn -o -q -B -pl worker -am -DskipTests package
fi
[ -d worker/target/classes ] && [ -d worker/target/test-classes ] || fail "worker/target has no classes: build first"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
B="$W/bundle"; mkdir -p "$B/lib" "$B/junit"

mvn -o -q -B -pl worker dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$W/cp.txt" \
    || fail "cannot resolve the worker's test classpath offline"
engine=$(tr ':' '\n' <"$W/cp.txt" | grep '/junit-platform-engine-' | head -1)
v=$(basename "$engine" .jar); v=${v#junit-platform-engine-}
launcher="$REPO/org/junit/platform/junit-platform-launcher/$v/junit-platform-launcher-$v.jar"
[ -f "$launcher" ] || fail "junit-platform-launcher $v (to match junit-platform-engine $v) is not in $REPO"
javac -d "$B/junit" -cp "$launcher:$(tr ':' '\n' <"$W/cp.txt" | grep -E '/junit-platform-(engine|commons)-' | tr '\n' ':')" \
    "$ROOT/deploy/gpu/bundle/RunTests.java"

# What the checks load: each of run-gpu-checks.sh's Java steps, here on the CPU, at the tiny size.
echo "pack-bundle: tracing the classes the checks load ..."
CP="worker/target/test-classes:worker/target/classes:$(cat "$W/cp.txt"):$launcher:$B/junit"
G=worker/src/test/resources/golden
trace() { java -Xmx2g -Dai.djl.offline=true -Xlog:class+load:file="$W/trace-$1.log" -cp "$CP" "${@:2}" >"$W/trace-$1.out" 2>&1 \
    || { tail -20 "$W/trace-$1.out" >&2; fail "the traced run '$1' failed"; }; }
export UMBRA_CACHE_DIR="$W/umbra-cache"
trace probe dev.umbra.deploy.EngineProbe
trace parity -Dumbra.test.parityDevice=cpu -Dumbra.test.paritySize=tiny RunTests dev.umbra.cli.GpuEmbedParityTest
trace init dev.umbra.cli.UmbraCommand init-model --preset tiny --out "$W/tiny"
trace embed dev.umbra.cli.UmbraCommand embed --model "$W/tiny" --prompts $G/inputs/prompts.txt --noise $G/inputs/noise.npy \
    --device cpu --dtype float32 --out "$W/embed"
trace bench dev.umbra.bench.GpuBenchmark --model "$W/tiny" --device cpu --dtypes float32 --parts prior,text,embed \
    --prior-batches 2 --text-batches 2 --embed-batches 2 --iters 1
cat "$W"/trace-*.log | sed -n 's/.*source: \(jar:\)\{0,1\}file:\([^ !]*\.jar\).*/\2/p' | sort -u >"$W/jars.txt"
modules=$(cat "$W"/trace-*.log | sed -n 's/.*source: jrt:\/\([a-z.]*\).*/\1/p' | sort -u | grep -v '^jdk.localedata$' | tr '\n' ',')
for jar in $(cat "$W/jars.txt"); do
    case "$(basename "$jar")" in pytorch-native-cpu-*|pytorch-jni-*) continue ;; esac
    cp "$jar" "$B/lib/"
done

# Other platforms' native libraries out of every jar: the GPU machine is linux x86-64.
python3 - "$B/lib" <<'EOF'
import os, re, sys, zipfile
keep = re.compile(r"(linux|Linux)[-_/](x86[-_]64|amd64)")
native = re.compile(r"\.(so(\.\d+)*|dll|dylib|jnilib|a)$")
for name in sorted(os.listdir(sys.argv[1])):
    path = os.path.join(sys.argv[1], name)
    with zipfile.ZipFile(path) as z:
        drop = {i.filename for i in z.infolist() if native.search(i.filename) and not keep.search(i.filename)}
        if drop:
            with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as out:
                for i in z.infolist():
                    if i.filename not in drop:
                        out.writestr(i, z.read(i.filename))
    if drop:
        os.replace(path + ".tmp", path)
EOF

# Resources travel in the source tree, which run-gpu-checks.sh puts on the classpath: keep one copy of each.
cp -r worker/target/classes "$B/classes"
(cd worker/src/main/resources && find . -type f) | (cd "$B/classes" && xargs rm -f)
cp -r worker/target/test-classes "$B/test-classes"
(cd worker/src/test/resources && find . -type f) | (cd "$B/test-classes" && xargs rm -f)
find "$B/classes" "$B/test-classes" -type d -empty -delete

jlink --add-modules "${modules}jdk.unsupported,java.logging,java.management" --strip-debug --no-man-pages \
    --output "$B/jre"
[ -f "$B/jre/include/jni.h" ] || fail "the jlink runtime has no include/jni.h"

rm -rf "$OUTDIR"; mkdir -p "$OUTDIR"
tar -C "$B" -cJf "$OUTDIR/umbra-gpu-bundle.tar.xz" jre lib classes test-classes junit
bundle=$(du -sb "$OUTDIR" | cut -f1)
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
echo "pack-bundle: $OUTDIR/umbra-gpu-bundle.tar.xz: $((bundle / 1048576)) MiB ($(wc -l <"$W/jars.txt") jars traced," \
    "modules ${modules}jdk.unsupported,java.logging,java.management); with the tracked tree $(( (bundle + tree) / 1048576 )) MiB of a device run's 64"
