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
# The only system library needed is libseccomp (syscall names); Debian: libseccomp-dev.
#   fuzz/build.sh --print-sources   prints the library sources it links (globs expanded; the
#                                   generated ones as "gen:<path>") and exits: no compiler needed
#   fuzz/build.sh --print-targets   prints the fuzz targets it builds and exits
# `bazel test //fuzz:build_sh_links_test` compares --print-sources with what the BUILD files
# link into the fuzz targets and fails naming any file missing here (docs/fuzzing.md).
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_ROOT="${SCKIT_SRC:-$(dirname "$HERE")}"
: "${CC:=clang}"
: "${CXX:=clang++}"
: "${CFLAGS:=-O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$PWD/fuzz-out}"
JOBS="${JOBS:-$(nproc)}"

# Every fuzz/<name>_fuzzer.cc is a target (fuzz/BUILD's FUZZERS names the same set; the test
# above checks it).
TARGETS=$(cd "$SRC_ROOT/fuzz" && for f in *_fuzzer.cc; do printf '%s ' "${f%_fuzzer.cc}"; done)
# What the targets link. A source Bazel links into any fuzz target and missing here fails
# //fuzz:build_sh_links_test; a glob only for a folder that imports nothing outside itself and
# vm/ (docs/architecture.md), so that everything it matches links.
LIB_SOURCES="vm/*.cc formats/*.cc verifier/*.cc jit/compiler.cc jit/exec_memory.cc jit/multiway.cc jit/x86_assembler.cc jit/x86_layout.cc
  eval/stack_builder.cc policy/rules_*.cc
  policy/suggest.cc policy/reverse_builder.cc policy/oci.cc policy/oci_names.cc policy/oci_text.cc policy/compile.cc
  policy/caps.cc
  optimize/code.cc optimize/passes.cc optimize/resynth.cc optimize/resynth_prefix.cc optimize/flatten.cc
  analysis/diff_classes.cc"
# Generated library sources (built below as policy/BUILD's genrules make them), under $GEN.
GENERATED_SOURCES="policy/rules_constants_table.cc policy/rules_arch_constants.cc"

cd "$SRC_ROOT"
case "${1:-}" in
  --print-sources)
    for src in $LIB_SOURCES; do echo "$src"; done
    for src in $GENERATED_SOURCES; do echo "gen:$src"; done
    exit 0 ;;
  --print-targets)
    for t in $TARGETS; do echo "$t"; done
    exit 0 ;;
  "") ;;
  *) echo "usage: fuzz/build.sh [--print-sources | --print-targets]" >&2; exit 2 ;;
esac

mkdir -p "$OUT"
OBJ="${WORK:-$OUT}/sckit-obj"  # OSS-Fuzz provides $WORK for intermediates
mkdir -p "$OBJ"

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

# The rules language's constant table, generated as the Bazel genrules in policy/BUILD do: the
# preprocessor lists the header macros, gen_rules_constants writes a source the compiler
# evaluates. The generated file is one more library source.
GEN="$OBJ/gen"
mkdir -p "$GEN/policy"
if [ ! -f "$GEN/policy/rules_constants_table.cc" ] ||
   [ policy/rules_constants_headers.h -nt "$GEN/policy/rules_constants_table.cc" ] ||
   [ policy/gen_rules_constants.cc -nt "$GEN/policy/rules_constants_table.cc" ]; then
  c++ -std=c++20 -O1 -I. policy/gen_rules_constants.cc -o "$GEN/gen_rules_constants"
  $CXX -E -dM -x c++ policy/rules_constants_headers.h |
    "$GEN/gen_rules_constants" >"$GEN/policy/rules_constants_table.cc"
fi
# The per-arch tables (policy/BUILD's ARCH_TRIPLES, the same generator and script).
ARCH_TRIPLES="x86_64:x86_64-linux-gnu x32:x86_64-linux-gnux32 i386:i686-linux-gnu
  aarch64:aarch64-linux-gnu arm:arm-linux-gnueabihf riscv64:riscv64-linux-gnu
  ppc64le:powerpc64le-linux-gnu s390x:s390x-linux-gnu mipsel:mipsel-linux-gnu
  mipsel64:mips64el-linux-gnuabi64"
if [ ! -f "$GEN/policy/rules_arch_constants.cc" ] ||
   [ policy/rules_constants_headers.h -nt "$GEN/policy/rules_arch_constants.cc" ] ||
   [ policy/gen_arch_constants.cc -nt "$GEN/policy/rules_arch_constants.cc" ]; then
  c++ -std=c++20 -O1 -I. policy/gen_arch_constants.cc -o "$GEN/gen_arch_constants"
  table_args=()
  for pair in $ARCH_TRIPLES; do
    arch=${pair%%:*} triple=${pair#*:}
    bash policy/gen_arch_constants.sh /usr/bin/clang "$GEN/gen_arch_constants" \
      policy/rules_constants_headers.h "$triple" "$GEN/arch_$arch.ll"
    table_args+=("$arch" "$GEN/arch_$arch.ll")
  done
  "$GEN/gen_arch_constants" table "${table_args[@]}" >"$GEN/policy/rules_arch_constants.cc"
fi
LIB_SOURCES="$LIB_SOURCES $(for src in $GENERATED_SOURCES; do printf '%s ' "$GEN/$src"; done)"

# The AUDIT_ARCH table vm/arch.cc includes, generated as the genrule in vm/BUILD does.
mkdir -p "$GEN/vm"
vm/gen_arch_table.sh /usr/include/linux/audit.h "$GEN/vm/arch_table.inc"
# The syscall tables vm/syscall_extra.cc includes, as the genrule syscall_tables does.
vm/gen_syscall_table.sh /usr/include/asm-generic/unistd.h vm/syscalls_newer.tbl \
  "$GEN/vm/syscall_generic.inc" "$GEN/vm/syscall_newer.inc"
# The errno and signal names vm/names.cc includes, as the genrule in vm/BUILD makes them.
vm/gen_names_table.sh "$CC" "$GEN/vm/names_table.inc"

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
    -lseccomp -o "$OUT/${t}_fuzzer"
done

# Seed corpora and dictionaries.
seeds_for() {
  case "$1" in
    raw) ls examples/*/*.bpf examples/*/*.cases examples/profiles/*.json ;;
    oci) ls examples/profiles/*.json fuzz/corpus/oci/* ;;
    jit_diff|stack|optimize|merge|diff_classes) ls examples/*/*.bpf ;;
    # any other target: its own corpus folder, when it has one
    *) if [ -d "fuzz/corpus/$1" ]; then ls fuzz/corpus/"$1"/*; fi ;;
  esac
}
for t in $TARGETS; do
  rm -rf "$OUT/${t}_fuzzer_seed_corpus" "$OUT/${t}_fuzzer_seed_corpus.zip"
  # Seeds are named by their path (examples/rules/server.bpf and examples/server/server.bpf
  # are different files with one name).
  mkdir -p "$OUT/${t}_fuzzer_seed_corpus"
  for f in $(seeds_for "$t"); do cp "$f" "$OUT/${t}_fuzzer_seed_corpus/$(echo "$f" | tr / _)"; done
  if command -v zip >/dev/null; then
    (cd "$OUT/${t}_fuzzer_seed_corpus" && zip -q -r "../${t}_fuzzer_seed_corpus.zip" .)
  fi
  if [ -f "fuzz/${t}.dict" ]; then cp "fuzz/${t}.dict" "$OUT/${t}_fuzzer.dict"; fi
done
echo "built: $(for t in $TARGETS; do printf '%s_fuzzer ' "$t"; done)-> $OUT"
