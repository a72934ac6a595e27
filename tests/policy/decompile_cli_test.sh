#!/usr/bin/env bash
# sckit decompile end to end: a bundled filter back to rules, compiled again with the options
# its header names, and `sckit diff` finds no difference; a filter the language cannot fully
# state exits 0 with the syscalls named, 1 with --strict; usage and I/O errors exit 2 and
# write nothing.
set -uo pipefail
source tests/cli_test_lib.sh

$SCKIT decompile examples/server/server.bpf -o $T/server.policy 2>$T/err
check "decompile exits 0" test $? -eq 0
check "proven on stderr" grep -q "^sckit decompile: proven" $T/err
flags=$(sed -n 's/^# Compile with: sckit compile POLICY //p' $T/server.policy)
check "header names the compile options" test -n "$flags"
# shellcheck disable=SC2086
$SCKIT compile $T/server.policy $flags -o $T/again.bpf 2>/dev/null
check "the policy compiles" test $? -eq 0
$SCKIT diff examples/server/server.bpf $T/again.bpf >$T/diff
check "sckit diff: equivalent" test $? -eq 0
check "cases pass on the recompiled filter" \
  $SCKIT test --filter $T/again.bpf examples/server/server.cases

$SCKIT decompile examples/socket-args/socket-args.bpf >$T/sa.policy 2>$T/err
check "inexact round trip still exits 0" test $? -eq 0
check "names the numbers it cannot state" grep -q "numbers >= 0x40000000 (x86_64)" $T/err
check "policy on stdout" grep -q "^socket: arg0 == AF_PACKET; return EACCES" $T/sa.policy
$SCKIT decompile --strict examples/socket-args/socket-args.bpf >/dev/null 2>&1
check "--strict: exit 1 when inexact" test $? -eq 1
$SCKIT decompile --strict examples/server/server.bpf >/dev/null 2>&1
check "--strict: exit 0 when proven" test $? -eq 0

$SCKIT decompile --arch nosuch examples/server/server.bpf -o $T/bad.policy 2>/dev/null
check "unknown arch: exit 2" test $? -eq 2
$SCKIT decompile $T/missing.bpf -o $T/bad.policy 2>/dev/null
check "missing file: exit 2" test $? -eq 2
check "nothing written on errors" test ! -e $T/bad.policy
$SCKIT decompile 2>/dev/null
check "no file: exit 2" test $? -eq 2

finish
