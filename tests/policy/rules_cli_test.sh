#!/usr/bin/env bash
# sckit compile end to end: the bundled example compiles to the committed filter, which passes
# its cases and verifies; output forms read back by sckit asm; located errors with exit 1 and no
# output file written; the JSON summary; sckit diff on compiled policies.
set -uo pipefail
source tests/cli_test_lib.sh
R=examples/rules

$SCKIT compile $R/server.policy --kill-process -o $T/server.bpf 2>$T/err
check "compile exits 0" test $? -eq 0
check "bundled server.bpf is current" cmp -s $T/server.bpf $R/server.bpf
check "summary on stderr" grep -q "instructions, 27 syscall rules, default KILL_PROCESS" $T/err
check "output verifies" $SCKIT verify $T/server.bpf
check "cases pass" $SCKIT test --filter $T/server.bpf $R/server.cases

$SCKIT compile $R/server.policy --kill-process --emit asm >$T/s.s 2>/dev/null
$SCKIT asm --format asm -o $T/from_asm.bpf $T/s.s >/dev/null 2>&1
check "--emit asm round-trips" cmp -s $T/from_asm.bpf $T/server.bpf
$SCKIT compile $R/server.policy --kill-process --emit c >$T/s.c 2>/dev/null
$SCKIT asm --format c -o $T/from_c.bpf $T/s.c >/dev/null 2>&1
check "--emit c round-trips" cmp -s $T/from_c.bpf $T/server.bpf
$SCKIT compile $R/server.policy --emit c-install >$T/i.c 2>/dev/null
check "--emit c-install has the installer" grep -q "sckit_install_filter" $T/i.c

$SCKIT compile $R/server.policy --json >$T/j.json 2>/dev/null
check "--json exits 0" test $? -eq 0
check "--json names syscalls with costs" grep -q '{"name": "openat", "nr": 257, "actions": \["ERRNO(13)", "ALLOW"\], "min_insns": [0-9]*, "max_insns": [0-9]*}' $T/j.json

# Errors: located, exit 1, and an existing output file is left as it was.
printf 'read: 1\n  opn: 1\n' >$T/bad.policy
echo keep >$T/out.bpf
$SCKIT compile $T/bad.policy -o $T/out.bpf 2>$T/err
check "unknown syscall exits 1" test $? -eq 1
check "unknown syscall is located" grep -qx "$T/bad.policy:2:3: unknown syscall 'opn' (did you mean 'open'?)" $T/err
check "output untouched on error" test "$(cat $T/out.bpf)" = keep
check "no temporary left" test -z "$(ls $T | grep 'out.bpf.tmp' || true)"
printf 'mmap: arg2 in PROT_RAED\n' >$T/bad2.policy
$SCKIT compile $T/bad2.policy 2>$T/err >/dev/null
check "unknown constant is located" grep -qx "$T/bad2.policy:1:15: unknown constant 'PROT_RAED' (did you mean 'PROT_READ'?)" $T/err
$SCKIT compile $R/server.policy --default-action nope 2>/dev/null >/dev/null
check "bad --default-action exits 2" test $? -eq 2
$SCKIT compile $R/server.policy --arch nope 2>/dev/null >/dev/null
check "bad --arch exits 2" test $? -eq 2
$SCKIT compile $T/does-not-exist.policy 2>$T/err >/dev/null
check "missing policy exits 2" test $? -eq 2
check "missing policy is named" grep -q "sckit compile: cannot read $T/does-not-exist.policy: No such file or directory" $T/err
$SCKIT compile --help >/dev/null
check "--help exits 0" test $? -eq 0

# diff: the libseccomp-generated server and the rules version differ exactly where the rules
# are stricter (mmap, setsockopt, shutdown) or different (openat access mode 3).
$SCKIT diff examples/server/server.bpf $R/server.bpf >$T/diff.txt 2>&1
check "diff exits 1" test $? -eq 1
check "diff finds 4 differing syscalls" grep -q "^differ: x86_64: 4 syscalls" $T/diff.txt
printf 'socket: arg0 == AF_UNIX; return 1\n' >$T/ret.policy
$SCKIT compile $T/ret.policy -o $T/man.bpf 2>/dev/null
$SCKIT compile $T/ret.policy --return-semantics python -o $T/py.bpf 2>/dev/null
$SCKIT diff $T/man.bpf $T/py.bpf >$T/diff2.txt 2>&1
check "the two return readings differ" test $? -eq 1
$SCKIT compile $T/ret.policy --arch x86_64,i386 --arch aarch64 -o $T/multi.bpf 2>/dev/null
check "multi-arch compiles" $SCKIT verify $T/multi.bpf

finish
