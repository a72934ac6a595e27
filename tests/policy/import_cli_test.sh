#!/usr/bin/env bash
# sckit import oci end to end: output forms that other sckit commands read back, exit codes and
# the JSON-path error messages, the bundled example filters and their cases.
set -uo pipefail
source tests/cli_test_lib.sh
P=examples/profiles

$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 -o $T/d.bpf 2>$T/err
check "import exits 0" test $? -eq 0
check "bundled docker-default.bpf is current" cmp -s $T/d.bpf $P/docker-default.bpf
check "summary names arches" grep -q "arches x86_64,x86,x32 (native x86_64 as 'amd64')" $T/err
check "unknown syscalls warned" grep -q 'warning: syscalls\[0\].names\[[0-9]*\]: unknown system call "mseal" ignored' $T/err
check "raw output verifies" $SCKIT verify $T/d.bpf

$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --emit c >$T/d.c 2>/dev/null
check "--emit c exits 0" test $? -eq 0
check "--emit c is tcpdump -dd style" grep -q '{ 0x20, 0, 0, 0x00000004 },' $T/d.c
$SCKIT asm --emit raw --format c -o $T/d_from_c.bpf $T/d.c >/dev/null 2>&1
check "C text round-trips to the same bytes" cmp -s $T/d_from_c.bpf $T/d.bpf

$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --emit asm >$T/d.s 2>/dev/null
check "--emit asm exits 0" test $? -eq 0
$SCKIT asm --emit raw --format asm -o $T/d_from_asm.bpf $T/d.s >/dev/null 2>&1
check "assembly round-trips to the same bytes" cmp -s $T/d_from_asm.bpf $T/d.bpf

$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --binary-tree -o $T/tree.bpf 2>/dev/null
check "--binary-tree exits 0" test $? -eq 0
check "--binary-tree changes the filter" test "$(cmp -s $T/tree.bpf $T/d.bpf; echo $?)" -ne 0
check "docker cases pass on the binary tree too" $SCKIT test --filter $T/tree.bpf $P/docker-default.cases

check "docker cases pass" $SCKIT test --filter $P/docker-default.bpf $P/docker-default.cases
check "podman cases pass" $SCKIT test --filter $P/podman-default.bpf $P/podman-default.cases

# --caps: with CAP_SYS_ADMIN, mount is allowed.
$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --caps sys_admin -o $T/admin.bpf 2>/dev/null
echo 'arch=x86_64 nr=mount => ALLOW' >$T/admin.cases
check "--caps sys_admin allows mount" $SCKIT test --filter $T/admin.bpf $T/admin.cases

# A whole config.json: linux.seccomp and the bounding set.
cat >$T/config.json <<'JSON'
{"ociVersion": "1.0.2",
 "process": {"capabilities": {"bounding": ["CAP_SYS_ADMIN"]}},
 "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
   "flags": ["SECCOMP_FILTER_FLAG_LOG"],
   "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}}}
JSON
$SCKIT import oci $T/config.json --arch x86_64 --kernel-version 6.1 -o $T/config.bpf 2>$T/err
check "config.json imports" test $? -eq 0
check "flags are reported" grep -q "flags: SECCOMP_FILTER_FLAG_LOG" $T/err
check "caps come from the bounding set" grep -q "caps: config.json bounding set, 1" $T/err

# Errors: exit 2, message with the JSON path.
echo '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
  "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}' >$T/bad_op.json
$SCKIT import oci $T/bad_op.json -o $T/x 2>$T/err
check "bad op exits 2" test $? -eq 2
check "bad op names the path" grep -q 'syscalls\[0\].args\[0\].op: unknown operator "SCMP_CMP_FOO"' $T/err
echo '{"defaultAction": "SCMP_ACT_SOMETIMES"}' >$T/bad_action.json
$SCKIT import oci $T/bad_action.json -o $T/x 2>$T/err
check "unknown action exits 2" test $? -eq 2
check "unknown action names the path" grep -q 'defaultAction: unknown action "SCMP_ACT_SOMETIMES"' $T/err
printf '{"defaultAction":\n' >$T/malformed.json
$SCKIT import oci $T/malformed.json -o $T/x 2>$T/err
check "malformed JSON exits 2" test $? -eq 2
check "malformed JSON names the position" grep -q 'malformed JSON at line 2, column 1' $T/err
$SCKIT import oci $T/missing.json -o $T/x 2>/dev/null
check "missing file exits 2" test $? -eq 2
$SCKIT import seccomp-bpf $P/docker-default.json -o $T/x 2>/dev/null
check "unknown kind exits 2" test $? -eq 2
$SCKIT import oci $P/docker-default.json --emit pdf -o $T/x 2>/dev/null
check "unknown --emit exits 2" test $? -eq 2
$SCKIT import oci $P/docker-default.json --arch vax -o $T/x 2>$T/err
check "unknown --arch exits 2" test $? -eq 2

# --caps: a misspelt capability is an error, never a replacement of the default set.
$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --caps CAP_BOGUS -o $T/bogus.bpf 2>$T/err
check "unknown --caps exits 2" test $? -eq 2
check "unknown --caps names it" grep -q -- '--caps: unknown capability "CAP_BOGUS" (known: CAP_CHOWN' $T/err
check "unknown --caps writes nothing" test ! -e $T/bogus.bpf
$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --caps sys_admn -o $T/x 2>$T/err
check "misspelt --caps suggests" grep -q 'did you mean CAP_SYS_ADMIN?' $T/err
$SCKIT import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --caps none -o $T/none.bpf 2>$T/err
check "--caps none is the empty set" grep -q "caps: --caps, 0;" $T/err
# Inputs that are not profile files: clear errors, exit 2, bounded memory.
$SCKIT import oci $T -o $T/x 2>$T/err
check "a directory exits 2" test $? -eq 2
check "a directory says so" grep -q 'is a directory' $T/err
$SCKIT import oci /dev/zero -o $T/x 2>$T/err
check "/dev/zero exits 2 at its first byte" grep -q 'line 1, column 1: byte 0x00 cannot start a JSON value' $T/err

finish
