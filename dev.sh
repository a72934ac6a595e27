#!/usr/bin/env bash
# sckit's one entry point for people and CI:
#   ./dev.sh example   build sckit and run it on a bundled example policy
#   ./dev.sh test      build and run the whole test suite, the fuzz smoke tests again under
#                      ASan + UBSan (SCKIT_ASAN_SMOKE=0 skips), then each libFuzzer target for
#                      SCKIT_FUZZ_SECONDS (default 20, 0 skips); ends with "N passed, N failed"
#                      (the hostile-input sweep //tests/hostile counts each of its checks)
#   ./dev.sh setup     only install what is missing
# Each installs missing Debian packages first (as root), or prints the exact apt-get line.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(bazel-bootstrap g++ libgtest-dev libgmock-dev libbenchmark-dev
          libboost-program-options-dev libseccomp-dev libcapstone-dev nlohmann-json3-dev libz3-dev libpcap-dev
          clang lld libclang-rt-14-dev
          # each arch's own headers, for sckit compile's per-arch constants (policy/BUILD)
          libc6-dev-i386-cross libc6-dev-x32-cross libc6-dev-arm64-cross libc6-dev-armhf-cross
          libc6-dev-riscv64-cross libc6-dev-ppc64el-cross libc6-dev-s390x-cross
          libc6-dev-mipsel-cross libc6-dev-mips64el-cross
          # the kernel headers of the arches that number errnos and signals their own way
          # (vm/gen_names_table.sh; mips and powerpc come with the C libraries above)
          linux-libc-dev-alpha-cross linux-libc-dev-hppa-cross linux-libc-dev-sparc64-cross)

BAZEL_FLAGS=()
if [ "${CI:-}" = "true" ] || [ ! -t 1 ]; then
  BAZEL_FLAGS+=(--config=ci)
fi

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "sckit needs these Debian packages; as root, run:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
}

build_sckit() {
  bazel build "${BAZEL_FLAGS[@]}" //tools:sckit >&2
}

sckit_path() {
  echo "$(bazel info "${BAZEL_FLAGS[@]}" bazel-bin 2>/dev/null)/tools/sckit"
}

example() {
  setup
  build_sckit
  local sckit
  sckit=$(sckit_path)
  local ex=examples/server/server
  echo "== sckit verify $ex.bpf"
  "$sckit" verify "$ex.bpf"
  echo
  echo "== sckit disasm $ex.bpf (first 16 lines)"
  "$sckit" disasm "$ex.bpf" | head -n 16
  echo
  echo "== sckit eval: a few system calls through the filter"
  printf '%s\n' 'arch=x86_64 nr=read args=3,0x1000,512' 'arch=x86_64 nr=execve' \
    'arch=i386 nr=read' | "$sckit" eval --filter "$ex.bpf" --vectors -
  echo
  echo "== sckit test $ex.cases"
  "$sckit" test --filter "$ex.bpf" "$ex.cases"
  echo
  echo "== sckit analyze --summary $ex.bpf"
  "$sckit" analyze --summary "$ex.bpf"
}

# Counts test cases from the per-target JUnit files Bazel writes (bazel-testlogs/**/test.xml).
# A target that failed without reporting a failing case (crash, timeout) counts as one failure.
#   count_results [QUERY [TESTLOGS]]   default: every non-manual test, in bazel-testlogs
count_results() {
  local query=${1:-'tests(//...) except attr(tags, manual, //...)'}
  local logs=${2:-bazel-testlogs}
  local passed=0 failed=0 skipped=0
  local targets
  targets=$(bazel query "$query" 2>/dev/null)
  for t in $targets; do
    local rel=${t#//}
    rel=${rel/://}
    local xmls=("$logs/$rel/test.xml")
    # A sharded target (shard_count) writes one test.xml per shard.
    [ -f "${xmls[0]}" ] || xmls=("$logs"/"$rel"/shard_*_of_*/test.xml)
    if [ ! -f "${xmls[0]}" ]; then
      failed=$((failed + 1))
      continue
    fi
    local xml
    for xml in "${xmls[@]}"; do
      read -r p f s < <(awk '
        /<testcase / { inside = 1; fail = 0; skip = 0; if ($0 ~ /result="skipped"/) skip = 1;
                       if ($0 ~ /\/>[[:space:]]*$/) { if (skip) s++; else p++; inside = 0 } ; next }
        inside && /<failure/ { fail = 1 }
        inside && /<skipped/ { skip = 1 }
        inside && /<\/testcase>/ { if (fail) f++; else if (skip) s++; else p++; inside = 0 }
        END { printf "%d %d %d\n", p, f, s }' "$xml")
      if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        # Bazel's own fallback XML (the test binary wrote none): judge by the target status.
        if grep -q '<failure\|<error' "$xml"; then f=1; else p=1; fi
      fi
      passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    done
  done
  TEST_PASSED=$passed TEST_FAILED=$failed TEST_SKIPPED=$skipped
}

# The fuzz smoke tests (every target's seeds, its fuzz/regressions/ inputs and 4,000 generated
# inputs) again under AddressSanitizer + UBSan (--config=asan, its own output tree), where a
# read past an input's end is an error instead of a pass. SCKIT_ASAN_SMOKE=0 skips it. Cost:
# docs/fuzzing.md ("Smoke tests under ASan").
run_asan_smoke() {
  ASAN_PASSED=0 ASAN_FAILED=0
  [ "${SCKIT_ASAN_SMOKE:-1}" = "0" ] && return 0
  echo "== fuzz smoke tests under ASan + UBSan (bazel test --config=asan //fuzz:all_smoke)"
  local rc=0 logs
  # No convenience symlinks: bazel-bin and bazel-testlogs keep naming the normal build.
  bazel test "${BAZEL_FLAGS[@]}" --config=asan --symlink_prefix=/ //fuzz:all_smoke || rc=$?
  logs=$(bazel info "${BAZEL_FLAGS[@]}" --config=asan bazel-testlogs 2>/dev/null) || true
  count_results 'tests(//fuzz:all_smoke)' "$logs"
  ASAN_PASSED=$TEST_PASSED ASAN_FAILED=$TEST_FAILED
  if [ "$rc" -ne 0 ] && [ "$ASAN_FAILED" -eq 0 ]; then ASAN_FAILED=1; fi
}

# Each libFuzzer target for SCKIT_FUZZ_SECONDS (default 20; 0 skips): one case per target.
run_fuzzers() {
  local seconds="${SCKIT_FUZZ_SECONDS:-20}"
  FUZZ_PASSED=0 FUZZ_FAILED=0
  [ "$seconds" = "0" ] && return 0
  echo "== libFuzzer targets, ${seconds}s each (fuzz/run_all.sh)"
  local out rc=0
  out=$(FUZZ_WORK="${FUZZ_WORK:-$PWD/.cache/fuzz}" fuzz/run_all.sh "$seconds" 2>/dev/null) || rc=$?
  echo "$out"
  FUZZ_PASSED=$(echo "$out" | awk 'NR > 1 && $NF == "ok"' | wc -l)
  FUZZ_FAILED=$(echo "$out" | grep -c 'FOUND' || true)
  if [ "$rc" -ne 0 ] && [ "$FUZZ_FAILED" -eq 0 ]; then
    echo "fuzz/run_all.sh failed to build or run the fuzzers (exit $rc)"
    FUZZ_FAILED=1
  fi
}

run_tests() {
  setup
  local rc=0
  bazel test "${BAZEL_FLAGS[@]}" //... || rc=$?
  count_results
  if [ "$rc" -ne 0 ] && [ "$TEST_FAILED" -eq 0 ]; then TEST_FAILED=1; fi
  local passed=$TEST_PASSED failed=$TEST_FAILED skipped=$TEST_SKIPPED
  run_asan_smoke
  run_fuzzers
  TEST_PASSED=$((passed + ASAN_PASSED + FUZZ_PASSED))
  TEST_FAILED=$((failed + ASAN_FAILED + FUZZ_FAILED))
  TEST_SKIPPED=$skipped
  # Skipped test cases (a live check this machine cannot show) on their own line, so the last
  # line stays the plain count CI reads.
  if [ "$TEST_SKIPPED" -gt 0 ]; then echo "($TEST_SKIPPED test cases skipped, not counted)"; fi
  echo "$TEST_PASSED passed, $TEST_FAILED failed"
  [ "$TEST_FAILED" -eq 0 ] && [ "$rc" -eq 0 ]
}

case "${1:-}" in
  example) example ;;
  test) run_tests ;;
  setup) setup ;;
  *)
    echo "usage: ./dev.sh example|test|setup" >&2
    exit 2
    ;;
esac
