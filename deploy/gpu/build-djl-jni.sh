#!/usr/bin/env bash
# Builds DJL 0.36's PyTorch JNI (libdjl_torch.so) against the libtorch you have, from the sources vendored
# beside this script, and prepares the folder that PYTORCH_LIBRARY_PATH names: links to every library of that
# libtorch plus the new JNI. See deploy/gpu/README.md.
#
# Usage: deploy/gpu/build-djl-jni.sh [options] [LIBTORCH_DIR]
#
#   LIBTORCH_DIR       a libtorch folder: include/ and lib/ with libtorch.so (an unzipped libtorch, or a pip
#                      install's .../site-packages/torch). Without it, the torch of --python is used:
#                      python3 -c 'import torch,os; print(os.path.dirname(torch.__file__))'
#   --out DIR          where to build (default: deploy/gpu/target/djl-torch-VERSION-FLAVOR). DIR/lib is the
#                      folder for PYTORCH_LIBRARY_PATH; DIR/env.sh sets the three variables DJL reads.
#   --python PY        the Python whose torch to use without LIBTORCH_DIR (default: $PYTHON, else python3)
#   --jni-include DIR  a JDK's include/ folder, holding jni.h and linux/jni_md.h (default: $JAVA_HOME/include,
#                      else the JDK of javac or java on PATH)
#   --cuda | --no-cuda with or without DJL's CUDA-specific parts (default: with them when the libtorch has
#                      libtorch_cuda.so and the CUDA headers are found; tensors run on the GPU either way)
#   --jobs N           parallel compiler runs (default: the number of cores)
#   --check            check the prerequisites and print what would be built; compile nothing
#   -h, --help         this text
#
# Environment: CXX, the C++17 compiler (default: g++). No cmake is needed: the sources are compiled directly.
# Exit status: 0 built (or checked); 2 bad arguments or a missing prerequisite (libtorch, its headers, a
# compiler, the JNI headers); 3 the compiler or the linker failed (the log is named).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC="$HERE/djl-pytorch-jni-0.36.0"
DJL_VERSION=0.36.0

usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
fail() { echo "build-djl-jni: error: $*" >&2; exit 2; }
info() { echo "build-djl-jni: $*"; }

torch_dir=""; out=""; python="${PYTHON:-python3}"; jni_include=""; cuda=auto; check_only=0
jobs=$(nproc 2>/dev/null || echo 2)
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --out) [ $# -ge 2 ] || fail "--out needs a folder"; out=$2; shift 2 ;;
        --out=*) out=${1#*=}; shift ;;
        --python) [ $# -ge 2 ] || fail "--python needs a program"; python=$2; shift 2 ;;
        --python=*) python=${1#*=}; shift ;;
        --jni-include) [ $# -ge 2 ] || fail "--jni-include needs a folder"; jni_include=$2; shift 2 ;;
        --jni-include=*) jni_include=${1#*=}; shift ;;
        --cuda) cuda=yes; shift ;;
        --no-cuda) cuda=no; shift ;;
        --jobs) [ $# -ge 2 ] || fail "--jobs needs a number"; jobs=$2; shift 2 ;;
        --jobs=*) jobs=${1#*=}; shift ;;
        --check) check_only=1; shift ;;
        -*) fail "unknown option $1 (see --help)" ;;
        *) [ -z "$torch_dir" ] || fail "one LIBTORCH_DIR only (got '$torch_dir' and '$1')"; torch_dir=$1; shift ;;
    esac
done
case "$jobs" in ''|*[!0-9]*|0) fail "--jobs must be a positive integer (got '$jobs')" ;; esac

# --- the libtorch ---------------------------------------------------------------------------------------------
py_version=""; py_cuda=""; py_abi=""
if [ -z "$torch_dir" ]; then
    command -v "$python" >/dev/null 2>&1 || fail "no LIBTORCH_DIR given and no Python '$python' to find torch with (give a libtorch folder, or --python)"
    probe=$("$python" -c 'import torch, os
print(os.path.dirname(torch.__file__))
print(torch.__version__)
print(torch.version.cuda or "")
print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null) \
        || fail "no LIBTORCH_DIR given and '$python' cannot import torch (pip install torch, or give a libtorch folder)"
    torch_dir=$(sed -n 1p <<<"$probe"); py_version=$(sed -n 2p <<<"$probe")
    py_cuda=$(sed -n 3p <<<"$probe"); py_abi=$(sed -n 4p <<<"$probe")
    info "torch $py_version of $python: $torch_dir"
fi
[ -d "$torch_dir" ] || fail "libtorch folder not found: $torch_dir"
torch_dir=$(cd "$torch_dir" && pwd)
lib="$torch_dir/lib"
[ -f "$lib/libtorch.so" ] || fail "$torch_dir is not a libtorch folder: $lib/libtorch.so not found"
[ -f "$lib/libc10.so" ] || fail "$torch_dir is not a libtorch folder: $lib/libc10.so not found"
inc="$torch_dir/include"
[ -f "$inc/torch/script.h" ] && [ -f "$inc/torch/csrc/api/include/torch/torch.h" ] \
    || fail "$torch_dir has no C++ headers ($inc/torch/script.h): install a torch or libtorch that ships include/ (pip wheels do; Debian: apt-get install libtorch-dev)"

# Version: the Python's torch, else libtorch's build-version file, else the headers.
version=${py_version%%+*}
if [ -z "$version" ] && [ -f "$torch_dir/build-version" ]; then
    version=$(head -1 "$torch_dir/build-version"); version=${version%%+*}
fi
if [ -z "$version" ]; then
    vh="$inc/torch/csrc/api/include/torch/version.h"
    v() { sed -n "s/^#define TORCH_VERSION_$1 \([0-9]*\).*/\1/p" "$vh" 2>/dev/null | head -1; }
    [ -n "$(v MAJOR)" ] && version="$(v MAJOR).$(v MINOR).$(v PATCH)"
fi
version=$(grep -oE '^[0-9]+\.[0-9]+\.[0-9]+' <<<"$version")   # 1.13.0a0 -> 1.13.0, as DJL's version pattern wants
[ -n "$version" ] || fail "cannot tell the version of the libtorch in $torch_dir (no Python torch, build-version or torch/version.h)"
case "$version" in
    1.13.*) version_defs="-DV1_13_X" ;;
    2.*|[3-9].*) version_defs="" ;;
    *) fail "libtorch $version is too old for DJL $DJL_VERSION's JNI (1.13 or 2.x is needed)" ;;
esac

# C++ ABI: the Python's answer, else whether libc10 carries std::__cxx11 symbols.
if [ -n "$py_abi" ]; then abi=$py_abi
elif grep -q -a '__cxx11' "$lib/libc10.so"; then abi=1
else abi=0; fi

# CUDA: libtorch_cuda.so present, and the CUDA runtime headers for DJL's CUDA-specific code.
has_cuda_lib=0; [ -f "$lib/libtorch_cuda.so" ] && has_cuda_lib=1
cuda_version=${py_cuda}
if [ -z "$cuda_version" ] && [ -f "$torch_dir/build-version" ]; then
    cuda_version=$(sed -n 's/.*+cu\([0-9]*\).*/\1/p' "$torch_dir/build-version" | head -1)
fi
cuda_incs=()
site=$(dirname "$torch_dir")
for d in "$site"/nvidia/*/include "$site"/nvidia/cu*/include "${CUDA_HOME:-/usr/local/cuda}/include" "$torch_dir/include/cuda"; do
    [ -d "$d" ] && cuda_incs+=("-I$d")
done
cuda_headers=0
for d in "${cuda_incs[@]+"${cuda_incs[@]}"}"; do [ -f "${d#-I}/cuda_runtime_api.h" ] && cuda_headers=1; done
use_cuda=0
case "$cuda" in
    yes)
        [ $has_cuda_lib = 1 ] || fail "--cuda: $lib has no libtorch_cuda.so (a CPU-only libtorch)"
        [ $cuda_headers = 1 ] || fail "--cuda: no CUDA headers (cuda_runtime_api.h) under $site/nvidia/*/include or ${CUDA_HOME:-/usr/local/cuda}/include (set CUDA_HOME)"
        use_cuda=1 ;;
    auto)
        if [ $has_cuda_lib = 1 ] && [ $cuda_headers = 1 ]; then use_cuda=1
        elif [ $has_cuda_lib = 1 ]; then
            info "warning: a CUDA libtorch, but no CUDA headers (cuda_runtime_api.h; set CUDA_HOME): building without DJL's CUDA-specific parts (a separate CUDA stream for TorchScript modules, emptying the CUDA cache); tensors still run on the GPU"
        fi ;;
esac
if [ $has_cuda_lib = 1 ]; then
    if [ -n "$cuda_version" ]; then
        digits=${cuda_version//./}; flavor="cu$digits"
    else flavor=""; fi
else flavor=cpu; fi

# --- the tools --------------------------------------------------------------------------------------------------
cxx=${CXX:-g++}
command -v "$cxx" >/dev/null 2>&1 || fail "no C++ compiler: '$cxx' not found (apt-get install g++, or set CXX)"
if [ -z "$jni_include" ]; then
    if [ -n "${JAVA_HOME:-}" ] && [ -f "$JAVA_HOME/include/jni.h" ]; then jni_include="$JAVA_HOME/include"
    else
        for tool in javac java; do
            t=$(command -v $tool 2>/dev/null) || continue
            home=$(dirname "$(dirname "$(readlink -f "$t")")")
            if [ -f "$home/include/jni.h" ]; then jni_include="$home/include"; break; fi
        done
    fi
    [ -n "$jni_include" ] || fail "no JNI headers: no jni.h under \$JAVA_HOME/include or the JDK of javac/java on PATH (install a JDK, or give --jni-include DIR; a jlink runtime keeps include/ unless made with --no-header-files)"
fi
[ -f "$jni_include/jni.h" ] || fail "--jni-include $jni_include has no jni.h"
[ -f "$jni_include/linux/jni_md.h" ] || fail "--jni-include $jni_include has no linux/jni_md.h"
[ -d "$SRC/native" ] || fail "the vendored JNI sources are missing: $SRC/native"

[ -n "$out" ] || out="$HERE/target/djl-torch-$version-${flavor:-cuda}"
info "libtorch $version (${flavor:-CUDA, version unknown}), C++11 ABI $abi, $lib"
info "compiler: $("$cxx" --version | head -1); JNI headers: $jni_include"
info "DJL $DJL_VERSION JNI sources: $SRC; CUDA-specific parts: $([ $use_cuda = 1 ] && echo yes || echo no)"
info "output: $out/lib"
if [ $check_only = 1 ]; then
    info "check only: the prerequisites are there; nothing compiled"
    exit 0
fi

# --- build ------------------------------------------------------------------------------------------------------
mkdir -p "$out" || fail "cannot create $out"
out=$(cd "$out" && pwd)
obj="$out/obj"; log="$out/build.log"
rm -rf "$obj" "$out/lib"; mkdir -p "$obj" "$out/lib"
: > "$log"
flags=(-O2 -std=c++17 -fPIC -w "-D_GLIBCXX_USE_CXX11_ABI=$abi" $version_defs)
[ $use_cuda = 1 ] && flags+=(-DUSE_CUDA)
incs=("-I$SRC/hdr" "-I$SRC/utils" "-I$SRC/native" "-I$jni_include" "-I$jni_include/linux"
      "-I$inc" "-I$inc/torch/csrc/api/include")
[ $use_cuda = 1 ] && incs+=("${cuda_incs[@]}")
start=$(date +%s)
info "compiling $(ls "$SRC"/native/*.cc | wc -l) files with $jobs jobs ..."
export cxx obj log
printf '%s\n' "$SRC"/native/*.cc | xargs -P "$jobs" -I{} bash -c '
    f={}; o="$obj/$(basename "$f" .cc).o"
    if ! "$cxx" "$@" -c "$f" -o "$o" >"$o.log" 2>&1; then echo "FAILED $f"; fi
    cat "$o.log" >>"$log"; rm -f "$o.log"' _ "${flags[@]}" "${incs[@]}" > "$out/failed.txt"
if [ -s "$out/failed.txt" ]; then
    echo "build-djl-jni: error: compiling against libtorch $version failed: $(wc -l <"$out/failed.txt") file(s), e.g. $(head -1 "$out/failed.txt" | sed 's/^FAILED //'); first errors (all in $log):" >&2
    grep -m 5 'error' "$log" >&2
    exit 3
fi
rm -f "$out/failed.txt"
libs=(-ltorch -ltorch_cpu -lc10)
if [ $use_cuda = 1 ]; then
    libs+=(-ltorch_cuda)
    [ -f "$lib/libc10_cuda.so" ] && libs+=(-lc10_cuda)
fi
if ! "$cxx" -shared -o "$out/lib/libdjl_torch.so" "$obj"/*.o -L"$lib" -Wl,--no-as-needed "${libs[@]}" \
        -Wl,-rpath,"$lib" >>"$log" 2>&1; then
    echo "build-djl-jni: error: linking libdjl_torch.so failed; see $log:" >&2
    grep -m 5 -i 'error\|undefined' "$log" >&2
    exit 3
fi
# A library ldd cannot find here may still be found when DJL loads libtorch's own first: say so, do not stop.
missing=$(ldd "$out/lib/libdjl_torch.so" 2>/dev/null | grep 'not found' | tr -s ' \t\n' ' ' || true)
[ -z "$missing" ] || info "warning: ldd finds no $missing(DJL loads libtorch's libraries first; if starting DJL fails, look there)"
info "built libdjl_torch.so in $(( $(date +%s) - start )) s"

# --- the folder PYTORCH_LIBRARY_PATH names -----------------------------------------------------------------------
# DJL loads every regular file of that folder as a native library (except libtorch_*, caffe2_*, cudnn* and the
# JNI, loaded in its own order), so it must hold libraries only: links to libtorch's, and the JNI itself,
# which DJL 0.36 looks for as 0.36.0-libdjl_torch.so, then libdjl_torch.so, in that folder before anywhere else.
for f in "$lib"/lib*.so*; do
    name=$(basename "$f")
    case "$name" in *djl_torch*) continue ;; esac
    ln -s "$f" "$out/lib/$name"
done
cat > "$out/env.sh" <<EOF
# Source this file before starting Umbra: DJL then uses libtorch $version through the JNI built for it.
export PYTORCH_LIBRARY_PATH='$out/lib'
export PYTORCH_VERSION='$version'
$([ -n "$flavor" ] && echo "export PYTORCH_FLAVOR='$flavor'" || echo "# PYTORCH_FLAVOR: the CUDA version of this libtorch is unknown; DJL guesses it")
EOF
cat > "$out/build-info.txt" <<EOF
djl_jni_sources=$DJL_VERSION ($SRC)
libtorch=$torch_dir
libtorch_version=$version
flavor=${flavor:-unknown}
cxx11_abi=$abi
use_cuda=$use_cuda
compiler=$("$cxx" --version | head -1)
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
info "done. Before starting Umbra:"
echo "  source $out/env.sh"
sed -n 's/^export /  # /p' "$out/env.sh"
