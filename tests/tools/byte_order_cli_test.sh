#!/usr/bin/env bash
# Big-endian filter files and records through the sckit command (issue 20 part 2, issue 17
# part 4): asm writes the order asked for, verify/disasm/eval/analyze read big-endian files
# unasked and say so, --byte-order little refuses them as the kernel would, raw output keeps the
# input's order, and binary records from a big-endian machine are read in its order.
set -uo pipefail
source tests/cli_test_lib.sh

# ERRNO(the word at offset 16): arg0's high word on s390x, its low word on x86_64.
printf 'ld [16]\nor #0x50000\nret a\n' >"$T/w16.s"
"$SCKIT" asm --byte-order big "$T/w16.s" -o "$T/be.bpf"
check "asm --byte-order big: exit 0" test $? -eq 0
check "asm --byte-order big: code and k big-endian" \
  test "$(od -An -tx1 -N8 "$T/be.bpf" | tr -d ' \n')" = "0020000000000010"
"$SCKIT" asm "$T/w16.s" -o "$T/le.bpf"
check "asm: host order" test "$(od -An -tx1 -N8 "$T/le.bpf" | tr -d ' \n')" = "2000000010000000"

out=$("$SCKIT" verify "$T/be.bpf" 2>&1); rc=$?
check "verify big-endian file: exit 0 (got $rc)" test $rc -eq 0
check "verify says big-endian" grep -q "ok (3 instructions, big-endian)" <<<"$out"
out=$("$SCKIT" verify --json "$T/be.bpf" 2>&1)
check "verify --json byte_order" grep -q '"byte_order": "big-endian"' <<<"$out"
out=$("$SCKIT" verify --json "$T/le.bpf" 2>&1)
check "verify --json little" grep -q '"byte_order": "little-endian"' <<<"$out"
out=$("$SCKIT" verify --byte-order little "$T/be.bpf" 2>&1); rc=$?
check "verify --byte-order little on a big-endian file: exit 1 (got $rc)" test $rc -eq 1
check "... the kernel's verdict on that reading" grep -q "unknown-opcode: code 0x2000" <<<"$out"
out=$("$SCKIT" verify --byte-order middle "$T/be.bpf" 2>&1); rc=$?
check "bad --byte-order: exit 2 (got $rc)" test $rc -eq 2
check "bad --byte-order: says the choices" grep -q "expected big, little or auto" <<<"$out"
check "verify --help lists --byte-order" grep -q -- "--byte-order" <<<"$("$SCKIT" verify --help)"

"$SCKIT" disasm "$T/be.bpf" --emit raw -o "$T/rt.bpf" 2>"$T/err"
check "disasm --emit raw keeps the input's order" cmp -s "$T/rt.bpf" "$T/be.bpf"
check "disasm says it read big-endian" grep -q "note: raw filter read big-endian" "$T/err"
"$SCKIT" disasm --emit asm "$T/be.bpf" >"$T/be.s" 2>/dev/null
check "canonical asm names the high word" grep -q "ld \[args\[0\].hi\]" "$T/be.s"
"$SCKIT" asm --byte-order big "$T/be.s" -o "$T/be2.bpf"
check "asm --byte-order big reproduces the bytes" cmp -s "$T/be2.bpf" "$T/be.bpf"

out=$("$SCKIT" eval -f "$T/be.bpf" --data 'arch=s390x nr=1 a0=0x100000002' 2>/dev/null)
check "eval big-endian filter, s390x record: high word" grep -qE -- "-> ERRNO\(1\)( EPERM)?$" <<<"$out"
out=$("$SCKIT" eval -f "$T/le.bpf" --data 'arch=x86_64 nr=1 a0=0x100000002' 2>/dev/null)
check "eval x86_64 record: low word" grep -qE -- "-> ERRNO\(2\)( ENOENT)?$" <<<"$out"

# Binary records as each machine writes them: s390x big-endian, x86_64 little-endian.
{
  printf '\000\000\000\001\200\000\000\026'          # nr 1, arch 0x80000016 (big-endian)
  printf '\000\000\000\000\000\000\000\000'          # ip
  printf '\000\000\000\001\000\000\000\002'          # args[0] = 0x1_00000002
  head -c 40 /dev/zero
  printf '\001\000\000\000\076\000\000\300'          # nr 1, arch 0xc000003e (little-endian)
  head -c 8 /dev/zero
  printf '\002\000\000\000\001\000\000\000'          # args[0] = 0x1_00000002
  head -c 40 /dev/zero
} >"$T/records.bin"
out=$("$SCKIT" eval -f "$T/be.bpf" --vectors "$T/records.bin" --vectors-format binary 2>/dev/null)
check "binary s390x record decoded big-endian" \
  grep -q "arch=s390x nr=exit(1) a0=0x100000002 -> ERRNO(1)" <<<"$out"
check "binary x86_64 record decoded little-endian" \
  grep -q "arch=x86_64 nr=write(1) a0=0x100000002 -> ERRNO(2)" <<<"$out"

out=$("$SCKIT" analyze "$T/be.bpf" --arch s390x 2>/dev/null); rc=$?
check "analyze a big-endian file: exit 0 (got $rc)" test $rc -eq 0
check "analyze names the s390x word" grep -q "decided by args\[0\].hi" <<<"$out"
out=$("$SCKIT" diff "$T/be.bpf" "$T/le.bpf" 2>/dev/null); rc=$?
check "diff of the same program in two orders: equal (got $rc)" test $rc -eq 0

# sckit compile writes a filter for big-endian machines in their order, as libseccomp does.
printf 'read: arg0 == 0x100000002\nwrite: 1\n' >"$T/p.policy"
"$SCKIT" compile "$T/p.policy" --arch s390x -o "$T/p390.bpf" 2>/dev/null
check "compile --arch s390x: big-endian (ld [arch] first)" \
  test "$(od -An -tx1 -N8 "$T/p390.bpf" | tr -d ' \n')" = "0020000000000004"
"$SCKIT" compile "$T/p.policy" --arch s390x --byte-order little -o "$T/p390le.bpf" 2>/dev/null
check "compile --byte-order little: host order" \
  test "$(od -An -tx1 -N8 "$T/p390le.bpf" | tr -d ' \n')" = "2000000004000000"
"$SCKIT" compile "$T/p.policy" --arch x86_64,s390x -o "$T/pmix.bpf" 2>/dev/null
check "compile for mixed arches: host order" \
  test "$(od -An -tx1 -N2 "$T/pmix.bpf" | tr -d ' \n')" = "2000"
printf 'arch=s390x nr=read a0=0x100000002 => ALLOW\narch=s390x nr=read a0=0x200000001 => KILL\narch=s390x nr=write => ALLOW\n' >"$T/p.cases"
out=$("$SCKIT" test -f "$T/p390.bpf" "$T/p.cases" 2>/dev/null); rc=$?
check "compiled s390x filter passes its cases (got $rc)" test $rc -eq 0
check "... all three" grep -q "3 passed, 0 failed" <<<"$out"
"$SCKIT" compile "$T/p.policy" --arch s390x --emit asm -o "$T/p390.s" 2>/dev/null
check "compile --emit asm names s390x words big-endian" grep -q "ld \[args\[0\].hi\]" "$T/p390.s"

# import oci for a big-endian arch: a clear refusal (libseccomp keeps one byte order per filter).
out=$("$SCKIT" import oci examples/profiles/docker-default.json --arch s390x -o "$T/d.bpf" 2>&1); rc=$?
check "import oci --arch s390x: exit 2 (got $rc)" test $rc -eq 2
check "... says why and what to use" grep -q "s390x is big-endian.*sckit compile --arch s390x" <<<"$out"
check "... writes nothing" test ! -e "$T/d.bpf"

finish
