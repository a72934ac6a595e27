# The harness of the shell tests that run the real `sckit` binary (cli_sh_test in
# tests/defs.bzl), sourced after `set -uo pipefail` from the runfiles root:
#   SCKIT             the binary (SCKIT_UNDER_TEST: run the test against another build)
#   T                 a scratch directory (the test's TEST_TMPDIR)
#   check NAME CMD... runs CMD, prints "ok   NAME" or "FAIL NAME" and counts the failures
#   finish            prints "N failed" and is the test's status (last command of the script)
# shellcheck shell=bash
SCKIT=${SCKIT_UNDER_TEST:-tools/sckit}
T=${TEST_TMPDIR:-$(mktemp -d)}
fails=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
finish() {
  echo "$fails failed"
  test "$fails" -eq 0
}
