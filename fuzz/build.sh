#!/bin/bash -eu
# Builds every fuzz target without Bazel, the way OSS-Fuzz / ClusterFuzz drive a project:
#   $CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE   compilers, flags and the engine to link
#   the checkout is found from this script's location ($SCKIT_SRC overrides), so OSS-Fuzz's
#   Dockerfile only clones the repository into $SRC and runs it
#   $OUT    where fuzzers, seed corpora (<name>_fuzzer_seed_corpus.zip, or a directory when
#           zip is missing) and dictionaries (<name>_fuzzer.dict) go (default: ./fuzz-out)
# Run by hand (what fuzz/run_all.sh does):
#   CC=clang CXX=clang++ CFLAGS="-O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link" \
#   CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer fuzz/build.sh
# System libraries: libseccomp (syscall names) and capstone (jit/listing.cc); Debian:
# libseccomp-dev libcapstone-dev.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_ROOT="${SCKIT_SRC:-$(dirname "$HERE")}"
: "${CC:=clang}"
: "${CXX:=clang++}"
: "${CFLAGS:=-O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$PWD/fuzz-out}"
JOBS="${JOBS:-$(nproc)}"

TARGETS="asm carray raw records jit_diff stack"
LIB_SOURCES="vm/*.cc formats/*.cc verifier/*.cc jit/*.cc eval/stack_builder.cc"  # what the targets link

mkdir -p "$OUT"
OBJ="${WORK:-$OUT}/sckit-obj"  # OSS-Fuzz provides $WORK for intermediates
mkdir -p "$OBJ"
cd "$SRC_ROOT"

# Generated sources Bazel makes with genrules: the AUDIT_ARCH table of the system's headers.
GEN="$OBJ/gen"
mkdir -p "$GEN/vm"
AUDIT_H="${AUDIT_H:-/usr/include/linux/audit.h}"
if [ ! -f "$GEN/vm/arch_table.inc" ] || [ "$AUDIT_H" -nt "$GEN/vm/arch_table.inc" ]; then
  vm/gen_arch_table.sh "$AUDIT_H" "$GEN/vm/arch_table.inc"
fi

# An object is stale when it, or its dependency list from the last compile, is missing, or when
# its source or any header it included is newer (a header that changes a class's layout must
# rebuild every object that uses the class).
stale() {
  local obj="$1" src="$2" dep
  [ -f "$obj" ] && [ -f "$obj.d" ] || return 0
  [ "$src" -nt "$obj" ] && return 0
  for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d"); do
    [ ! -e "$dep" ] || [ "$dep" -nt "$obj" ] && return 0
  done
  return 1
}

# The library once, in parallel (the fuzz flags apply to it too: that is what gets fuzzed).
pids=()
for src in $LIB_SOURCES; do
  obj="$OBJ/$(echo "$src" | tr / _).o"
  if stale "$obj" "$src"; then
    $CXX $CXXFLAGS -std=c++20 -I. -I"$GEN" -MMD -MF "$obj.d" -c "$src" -o "$obj" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$JOBS" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
LIB_OBJECTS=$(for src in $LIB_SOURCES; do echo "$OBJ/$(echo "$src" | tr / _).o"; done)

for t in $TARGETS; do
  $CXX $CXXFLAGS -std=c++20 -I. -I"$GEN" "fuzz/${t}_fuzzer.cc" $LIB_OBJECTS $LIB_FUZZING_ENGINE \
    -lseccomp -lcapstone -o "$OUT/${t}_fuzzer"
done

# Seed corpora and dictionaries.
seeds_for() {
  case "$1" in
    asm|carray|records) ls fuzz/corpus/"$1"/* ;;
    raw) ls examples/*/*.bpf examples/*/*.cases examples/profiles/*.json ;;
    jit_diff|stack) ls examples/*/*.bpf ;;
  esac
}
for t in $TARGETS; do
  rm -rf "$OUT/${t}_fuzzer_seed_corpus" "$OUT/${t}_fuzzer_seed_corpus.zip"
  if command -v zip >/dev/null; then
    seeds_for "$t" | zip -q -j "$OUT/${t}_fuzzer_seed_corpus.zip" -@
  else
    mkdir -p "$OUT/${t}_fuzzer_seed_corpus"
    seeds_for "$t" | xargs -I{} cp {} "$OUT/${t}_fuzzer_seed_corpus/"
  fi
  if [ -f "fuzz/${t}.dict" ]; then cp "fuzz/${t}.dict" "$OUT/${t}_fuzzer.dict"; fi
done
echo "built: $(for t in $TARGETS; do printf '%s_fuzzer ' "$t"; done)-> $OUT"
