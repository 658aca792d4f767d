#!/usr/bin/env bash
# Every GPU check of issue 9 in one go, on a machine with an NVIDIA GPU, python3 with a CUDA torch (and its C++
# headers, as pip wheels have), g++, and neither Java nor Maven. Run from the repository root after
# deploy/gpu/pack-bundle.sh made deploy/gpu/target/bundle/umbra-gpu-bundle.tar.xz on a machine with a JDK and Maven:
#
#   1. probe         nvidia-smi, python3's torch
#   2. JNI           build-djl-jni.sh against that torch; DJL is then started through it (EngineProbe: libtorch,
#                    JNI, GPU count), and the checks stop here if DJL sees no GPU
#   3. parity        GpuEmbedParityTest through JUnit: embed --device gpu against the golden reference (fp32, 1e-4),
#                    fp16 vs fp32 cosine >= 0.999 (golden tiny model, variant set, Kandinsky size)
#   4. init-model    the Kandinsky preset (bigG text tower + prior E=1280, random weights, float16)
#   5. real size     embed of that model in fp32 and fp16 on the GPU against torch_bench.py's PyTorch fp32 on the
#                    same weights, ids and noise
#   6. DJL speed     GpuBenchmark: prior (batch 1 to 1024) and text tower (1 to 256), fp16 and fp32
#   7. torch speed   torch_bench.py bench: the same cases in PyTorch eager on the same GPU
#   8. figures       compare.py: figures.md with the GPU, the versions, parity and DJL/PyTorch ratios
#
# Results go to $OUT when set (a device run's output folder), else deploy/gpu/target/gpu-checks: log.txt,
# build-info.txt, probe.txt, parity.txt, djl-bench.txt, torch-bench.txt, figures.md. Steps are timed against a
# deadline (--deadline, default 540 s) so that figures.md is written within a 10-minute limit even when a step
# runs long; about 5 minutes are expected on an H100/H200.
#
# Usage: deploy/gpu/run-gpu-checks.sh [--cpu] [--jni DIR] [--bundle FILE] [--work DIR] [--deadline S]
#   --cpu        a dry run of the whole script on the CPU (tiny model, small batches, the parity tests with
#                -Dumbra.test.parityDevice=cpu): checks the script and the bundle where no GPU is
#   --jni DIR    reuse a folder build-djl-jni.sh made (DIR/env.sh) instead of building the JNI
#   --bundle F   the bundle (default deploy/gpu/target/bundle/umbra-gpu-bundle.tar.xz)
#   --work DIR   scratch space, models included (default /tmp/umbra-gpu-checks; ~4 GB at the Kandinsky size)
# Environment: PYTHON (default python3), the Python whose torch is built against and benchmarked.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
mode=gpu; jni=""; bundle="$ROOT/deploy/gpu/target/bundle/umbra-gpu-bundle.tar.xz"; W=/tmp/umbra-gpu-checks; deadline=540
while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) mode=cpu; shift ;;
        --jni) jni=$2; shift 2 ;;
        --bundle) bundle=$2; shift 2 ;;
        --work) W=$2; shift 2 ;;
        --deadline) deadline=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-gpu-checks: error: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
RES=${OUT:-$ROOT/deploy/gpu/target/gpu-checks}
PY=${PYTHON:-python3}
mkdir -p "$RES" "$W" || exit 2
exec > >(tee "$RES/log.txt") 2>&1
t0=$(date +%s)
elapsed() { echo $(( $(date +%s) - t0 )); }
stamp() { echo "== [$(elapsed) s] $*"; }
# The seconds a step may take: its own limit, or what is left before the deadline (20 s kept for the figures).
budget() { local left=$(( deadline - $(elapsed) - 20 )); [ "$left" -lt "$1" ] && echo "$left" || echo "$1"; }
step() {  # step LIMIT NAME COMMAND...: runs COMMAND under its budget, says how it ended
    local limit; limit=$(budget "$1"); local name=$2; shift 2
    if [ "$limit" -lt 10 ]; then stamp "$name: skipped, the deadline is near"; return 124; fi
    stamp "$name (at most $limit s)"
    timeout "$limit" "$@"; local rc=$?
    [ $rc = 0 ] || stamp "$name: exit status $rc$([ $rc = 124 ] && echo ', timed out')"
    return $rc
}

if [ $mode = gpu ]; then
    preset=kandinsky; device=gpu; pydev=cuda; heap=-Xmx16g
    bench_args=(); torch_args=(); parity_props=()
else
    preset=tiny; device=cpu; pydev=cpu; heap=-Xmx2g
    # float32 only: the CPU kernels of older libtorch (Debian's 1.13) have no fp16 matmul or layer norm
    bench_args=(--dtypes float32 --prior-batches 1,8 --text-batches 1,8 --embed-batches 8 --iters 3)
    torch_args=(--dtypes float32 --prior-batches 1,8 --text-batches 1,8 --iters 3)
    parity_props=(-Dumbra.test.parityDevice=cpu -Dumbra.test.paritySize=tiny)
fi

stamp "probe ($mode mode)"
{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    [ $mode = gpu ] && echo "gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
    echo "torch=$("$PY" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -1)"
    echo "cpus=$(nproc)"
} | tee "$RES/probe.txt"

stamp "unpack the bundle"
[ -f "$bundle" ] || { echo "run-gpu-checks: error: no bundle at $bundle: run deploy/gpu/pack-bundle.sh first, where a JDK and Maven are" >&2; exit 2; }
rm -rf "$W/bundle"; mkdir -p "$W/bundle" && tar -C "$W/bundle" -xJf "$bundle" || exit 2
JAVA="$W/bundle/jre/bin/java"
CP="$W/bundle/test-classes:$W/bundle/classes:$ROOT/worker/src/test/resources:$ROOT/worker/src/main/resources:$W/bundle/junit:$W/bundle/lib/*"
export UMBRA_CACHE_DIR="$W/umbra-cache" DJL_CACHE_DIR="$W/djl-cache" DJL_OFFLINE=true
JRUN=("$JAVA" "$heap" -Dai.djl.offline=true -cp "$CP")

if [ -z "$jni" ]; then
    jni="$W/djl"
    step 300 "build DJL's JNI for python3's torch" deploy/gpu/build-djl-jni.sh --python "$PY" --out "$jni" \
        --jni-include "$W/bundle/jre/include" || { stamp "no JNI: stop"; exit 3; }
fi
[ -f "$jni/env.sh" ] || { echo "run-gpu-checks: error: $jni/env.sh not found" >&2; exit 2; }
# shellcheck disable=SC1091
. "$jni/env.sh"
cp "$jni/build-info.txt" "$RES/build-info.txt" 2>/dev/null
step 60 "DJL through the built JNI" "${JRUN[@]}" dev.umbra.deploy.EngineProbe | tee -a "$RES/probe.txt"
if [ $mode = gpu ] && ! grep -q '^gpus=[1-9]' "$RES/probe.txt"; then
    stamp "DJL sees no GPU through $PYTORCH_LIBRARY_PATH: stop"; exit 4
fi

step 240 "parity: GpuEmbedParityTest" "${JRUN[@]}" "${parity_props[@]}" RunTests dev.umbra.cli.GpuEmbedParityTest \
    | tee "$RES/parity.txt"

model="$W/model-$preset"; rm -rf "$model"
step 120 "init-model --preset $preset" "${JRUN[@]}" dev.umbra.cli.UmbraCommand init-model --preset $preset --out "$model"
e=$(sed -n 's/.*"embedding_dim": \([0-9]*\).*/\1/p' "$model/prior/config.json" 2>/dev/null)
if [ -n "$e" ]; then
    prompts=worker/src/test/resources/golden/inputs/prompts.txt
    "$PY" deploy/gpu/bench/torch_bench.py noise --rows "$(grep -c '' $prompts)" --dim "$e" --out "$W/noise.npy"
    for dt in float32 float16; do
        rm -rf "$W/embed-$dt"
        step 120 "embed --device $device --dtype $dt at the $preset size" "${JRUN[@]}" dev.umbra.cli.UmbraCommand embed \
            --model "$model" --prompts $prompts --noise "$W/noise.npy" --device $device --dtype $dt --out "$W/embed-$dt"
    done
    step 120 "real size: DJL fp32 and fp16 against PyTorch fp32" "$PY" deploy/gpu/bench/torch_bench.py parity \
        --model "$model" --embed "$W/embed-float32" --compare "$W/embed-float16" --noise "$W/noise.npy" \
        --device $pydev | tee -a "$RES/parity.txt"

    rm -f "$RES/djl-bench.txt"
    step 240 "DJL speed" "${JRUN[@]}" dev.umbra.bench.GpuBenchmark --model "$model" --device $device \
        --parts prior,text,embed --out "$RES/djl-bench.txt" "${bench_args[@]}"
    step 180 "PyTorch speed" "$PY" deploy/gpu/bench/torch_bench.py bench --model "$model" --device $pydev \
        "${torch_args[@]}" | tee "$RES/torch-bench.txt"
else
    stamp "no model: the real-size and speed steps are skipped"
fi

stamp "figures"
"$PY" deploy/gpu/bench/compare.py --djl "$RES/djl-bench.txt" --torch "$RES/torch-bench.txt" --parity "$RES/parity.txt" \
    --info "$(sed -n 's/^gpu=/GPU: /p' "$RES/probe.txt")" --info "$(sed -n 's/^torch=/python3 torch: /p' "$RES/probe.txt")" \
    --info "JNI: $(tr '\n' ' ' <"$RES/build-info.txt" 2>/dev/null)" --info "model: init-model --preset $preset (random weights)" \
    --info "run: $mode mode, $(elapsed) s" > "$RES/figures.md"
cat "$RES/figures.md"
stamp "done"
