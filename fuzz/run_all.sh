#!/bin/bash -u
# Builds every libFuzzer target with clang (fuzz/build.sh) and runs each for SECONDS.
#   fuzz/run_all.sh SECONDS [TARGET...]
# Installs clang, lld and libclang-rt-14-dev with apt-get when clang cannot link libFuzzer.
# Working corpora persist in $FUZZ_WORK (default /tmp/sckit-fuzz, outside the checkout) so that
# repeated runs build on each other; crashes, leaks, timeouts and OOMs land in
# $FUZZ_WORK/artifacts/<target>-crash-..., with the libFuzzer log in $FUZZ_WORK/logs/.
# Memory: every target runs with -rss_limit_mb=1024 (the process) and -malloc_limit_mb=256
# (any one allocation): the parsers' caps keep them far below; passing either is a finding.
# Exit status: 0 when every target ran clean for its time, 1 when any found something, 2 on a
# build failure.
set -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SECONDS_EACH="${1:-20}"
shift || true
# By default every target fuzz/build.sh builds (each fuzz/<name>_fuzzer.cc).
TARGETS="${*:-$("$HERE/build.sh" --print-targets | tr '\n' ' ')}"
WORK="${FUZZ_WORK:-/tmp/sckit-fuzz}"
OUT="$WORK/out"

have_libfuzzer() {
  command -v clang++ >/dev/null && command -v ld.lld >/dev/null &&
    echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
      clang++ -x c++ -fsanitize=fuzzer,address,undefined -fuse-ld=lld - -o /dev/null 2>/dev/null
}
if ! have_libfuzzer; then
  echo "run_all: installing clang, lld and libclang-rt-14-dev" >&2
  apt-get update -qq && apt-get install -y -qq clang lld libclang-rt-14-dev libseccomp-dev >&2
  have_libfuzzer || { echo "run_all: clang cannot link libFuzzer" >&2; exit 2; }
fi

mkdir -p "$WORK/artifacts" "$WORK/logs" "$WORK/corpus"
FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
if ! CC=clang CXX=clang++ CFLAGS="$FLAGS" CXXFLAGS="$FLAGS" \
     LIB_FUZZING_ENGINE="-fsanitize=fuzzer -fuse-ld=lld" OUT="$OUT" "$HERE/build.sh" >&2; then
  echo "run_all: build failed" >&2
  exit 2
fi

status=0
printf '%-10s %10s %8s %6s %s\n' target execs exec/s cov result
for t in $TARGETS; do
  bin="$OUT/${t}_fuzzer"
  corpus="$WORK/corpus/$t"
  seeds="$OUT/${t}_fuzzer_seed_corpus"
  mkdir -p "$corpus"
  if [ -f "$seeds.zip" ] && command -v unzip >/dev/null; then
    mkdir -p "$seeds" && unzip -q -o "$seeds.zip" -d "$seeds"
  fi
  extra=()
  [ -f "$OUT/${t}_fuzzer.dict" ] && extra+=(-dict="$OUT/${t}_fuzzer.dict")
  # Input lengths that reach the input caps (docs/asm.md, "Bad input"): raw past 4096
  # instructions (32768 bytes + 1), asm and C past 4096 short instructions (~29 KB), records
  # lines and cases files past their per-line pattern limits. The structured targets build
  # programs of at most 4096 instructions from far fewer bytes. libFuzzer's -len_control keeps
  # most inputs small, so the long ones cost little search time.
  case "$t" in
    raw) max_len=33024 ;;
    asm|carray|records|strace|audit|oci) max_len=65536 ;;
    *) max_len=4096 ;;
  esac
  extra+=(-max_len="$max_len")
  log="$WORK/logs/$t.log"
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$bin" "${extra[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=256 \
    -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t-" "$corpus" "$seeds" \
    >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FOUND (exit $rc): $(grep -m1 -E 'ERROR: |fuzz invariant|runtime error' "$log" || echo see log) -> $log"
    status=1
  fi
  printf '%-10s %10s %8s %6s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$result"
done
exit "$status"
