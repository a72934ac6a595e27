#!/usr/bin/env bash
# The option prologue of the commands that read a stack of filter files (tools/filter_files.h:
# ParseFilterArgs, ReadFilterStack): no file, a bad --format, a bad --byte-order, an unreadable
# file are usage errors (exit 2, said with the command's name), a filter the kernel rejects is
# exit 1 with its reason, and the checks come in the order they always did (--arch before
# --byte-order). Pins today's behaviour for analyze, decompile and verify.
set -uo pipefail
source tests/cli_test_lib.sh
expect() {  # expect NAME RC PATTERN -- ARGS...: exit code RC and PATTERN in the output
  local name=$1 want=$2 pattern=$3; shift 4
  local err rc
  err=$("$SCKIT" "$@" 2>&1); rc=$?
  check "$name: exit $want (got $rc)" test "$rc" -eq "$want"
  check "$name: says '$pattern'" grep -qE -- "$pattern" <<<"$err"
}

printf 'ld [4]\njne #0xc000003e, kill\nret #0x7fff0000\nkill: ret #0\n' >"$T/allow.s"  # x86_64 only
printf 'ld [0]\n' >"$T/rejected.s"       # no return: the kernel refuses it
for cmd in analyze decompile verify; do
  expect "$cmd no file" 2 "^sckit $cmd: no filter file given \(see --help\)" -- "$cmd"
  expect "$cmd bad --format" 2 "^sckit $cmd: .*elf" -- "$cmd" --format elf "$T/allow.s"
  expect "$cmd bad --byte-order" 2 "^sckit $cmd: .*expected big, little or auto" -- \
    "$cmd" --byte-order middle "$T/allow.s"
  expect "$cmd missing file" 2 "^sckit $cmd: $T/missing.s: " -- "$cmd" "$T/missing.s"
  expect "$cmd rejected filter" 1 "rejected|last-not-ret" -- "$cmd" "$T/rejected.s"
  "$SCKIT" "$cmd" "$T/allow.s" >/dev/null 2>&1
  check "$cmd accepted filter: exit 0" test $? -eq 0
done
# The arch is checked after the files and --format, before --byte-order and reading.
expect "analyze bad arch before byte order" 2 "^sckit analyze: unknown arch 'vax'" -- \
  analyze --arch vax --byte-order middle "$T/missing.s"
expect "analyze no file before bad arch" 2 "no filter file given" -- analyze --arch vax
expect "decompile bad arch before byte order" 2 "^sckit decompile: unknown architecture 'vax'" -- \
  decompile --arch vax --byte-order middle "$T/missing.s"
expect "decompile bad format before bad arch" 2 "^sckit decompile: .*elf" -- \
  decompile --arch vax --format elf "$T/allow.s"
# The stack is read as given: analyze --json names every file, decompile names them as sources.
out=$("$SCKIT" analyze --json --summary "$T/allow.s" "$T/allow.s" 2>/dev/null)
check "analyze --json lists both files" grep -qF "\"filters\": [\"$T/allow.s\", \"$T/allow.s\"]" <<<"$out"
out=$("$SCKIT" decompile --no-proof "$T/allow.s" 2>/dev/null)
check "decompile names its source" grep -qF "$T/allow.s" <<<"$out"

finish
