#!/usr/bin/env bash
# The hostile-input sweep of issue 14, run on every `bazel test //...` (so `./dev.sh test`):
# every input that once crashed sckit, ran it out of memory or time, or got a silently wrong
# answer, run again under a memory cap (512 MiB of address space) and a time cap (60 s, only a
# hang guard). Each check asserts the exit code (bad input never exits 0 and never >= 128, i.e.
# no crash or abort; 124 is the time cap) and the message. Every check writes a JUnit test case
# to $XML_OUTPUT_FILE, so ./dev.sh counts them one by one.
#
# Checks marked [formats] (bounded reading, asm comments, C arrays, empty raw files, JSON
# escaping), [records] (conflicting fields, binary detection, cases files), [writes] (write
# errors), [sweep] (fuzz findings) and [c-install] were fixed on other branches of issue 14
# than the unmarked ones (policy/, live/dump, cfg, main's last-resort catch); every check must
# pass once all are merged.
set -uo pipefail

SCKIT=${SCKIT:-$PWD/tools/sckit}
T=${TEST_TMPDIR:-$(mktemp -d)}
MEM_KB=$((512 * 1024))
LIMIT_SECONDS=60
fails=0
passes=0
cases_xml=""

# A sanitizer build reserves terabytes of address space: only the time cap applies then.
MEM_CAP=(prlimit --as=$((MEM_KB * 1024)) --)
if ldd "$SCKIT" 2>/dev/null | grep -q 'lib[at]san'; then MEM_CAP=(); fi
if ! command -v prlimit >/dev/null; then MEM_CAP=(); fi

# Printable ASCII only (messages may quote hostile bytes), then XML's five escapes.
xml_escape() {
  LC_ALL=C tr -c '[:print:]' ' ' | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'
}

record() {  # record NAME ok|fail DETAIL
  local name=$1 verdict=$2 detail=${3:-}
  local ename
  ename=$(printf '%s' "$name" | xml_escape)
  if [ "$verdict" = ok ]; then
    passes=$((passes + 1))
    echo "ok   $name"
    cases_xml+="<testcase name=\"$ename\" classname=\"hostile\"/>"$'\n'
  else
    fails=$((fails + 1))
    echo "FAIL $name: $detail"
    # One element per line: ./dev.sh counts test cases line by line.
    cases_xml+="<testcase name=\"$ename\" classname=\"hostile\">"$'\n'
    cases_xml+="<failure message=\"$(printf '%s' "$detail" | head -c 300 | xml_escape)\"/>"$'\n'
    cases_xml+="</testcase>"$'\n'
  fi
}

# run_capped OUT ERR CMD... : runs CMD under the caps; sets $code.
run_capped() {
  local out=$1 err=$2
  shift 2
  timeout --kill-after=5 "$LIMIT_SECONDS" "${MEM_CAP[@]}" "$@" >"$out" 2>"$err"
  code=$?
}

# expect NAME CODES PATTERN CMD... : CMD must exit with one of CODES ("1 2") and its message
# must match the extended regexp PATTERN (case-insensitive; "" = any non-empty message). The
# message is standard error; for exit 1, a verdict, standard output counts too (`sckit verify`
# prints "FILE: rejected: ..." there, as the README shows).
# Running out of the memory cap, or reaching main's last-resort catch, fails the check.
expect() {
  local name=$1 codes=$2 pattern=$3
  shift 3
  run_capped "$T/out" "$T/err" "$@"
  local why=""
  if [ "$code" -eq 1 ]; then cat "$T/out" >>"$T/err"; fi
  if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
    why="hung: killed after ${LIMIT_SECONDS}s"
  elif [ "$code" -ge 128 ]; then
    why="crashed: exit $code"
  elif [[ " $codes " != *" $code "* ]]; then
    why="exit $code, expected one of: $codes"
  elif [ ! -s "$T/err" ]; then
    why="no message on stderr"
  elif grep -qiE 'out of memory|bad_alloc|internal error' "$T/err"; then
    why="ran out of the ${MEM_KB} KiB cap or hit an internal error instead of a located error"
  elif [ -n "$pattern" ] && ! grep -qiE -- "$pattern" "$T/err"; then
    why="message does not match /$pattern/"
  fi
  if [ -z "$why" ]; then record "$name" ok; else record "$name" fail "$why; stderr: $(head -c 400 "$T/err")"; fi
}

# --- inputs -------------------------------------------------------------------------------
printf '\x06\x00\x00\x00\x00\x00\xff\x7f' >"$T/allow.bpf"  # ret ALLOW
: >"$T/empty.bpf"
truncate -s 1G "$T/sparse.bin"
mkdir -p "$T/a_directory"
printf 'ld [4]\n/* the arch check\njeq #0xc000003e, 1, 0\nret KILL_PROCESS\nld [0]\nret ALLOW\n' >"$T/unclosed.s"
printf '{ 0x06, 0, 0, 0x7fff0000 },\ngarbage here\n{ 0x06, 0, 0, 0x00000000 },\n' >"$T/garbage.c"
perl -e 'print "{ 0x06, 0, 0, 0x7fff0000 },\n" x 150000' >"$T/huge.c"
perl -e 'print "ret ALLOW\n" x 65537' >"$T/big.s"
perl -e 'print "\xff" x 64' >"$T/record.bin"  # one seccomp_data record, no zero byte
perl -e 'my $l = "nr=" . join(",", 0..1023) . " a0=" . join(",", 0..1023) . " => ALLOW\n"; print $l x 30' >"$T/huge.cases"
# ld [nr]; 120 compares whose true edges all meet in shared returns: Graphviz needs minutes.
perl -e 'my $n = 120; print pack("vCCV", 0x20, 0, 0, 0);
         for my $i (0 .. $n - 1) { print pack("vCCV", 0x15, $n - 1 - $i + $i % 3, 0, $i) }
         print pack("vCCV", 6, 0, 0, $_) for (0x50001, 0x50002, 0x7fff0000, 0x50003);' >"$T/shared.bpf"
bad_name=$(printf '%s/bad\xff\xfename.bpf' "$T")
cp "$T/allow.bpf" "$bad_name"
printf '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": []}' >"$T/profile.json"

# --- silent wrong answers -----------------------------------------------------------------
# [c-install] A 65,537-instruction program must not become a 1-instruction install.
run_capped "$T/big.c" "$T/err" "$SCKIT" asm --emit c-install "$T/big.s"
if [ "$code" -ge 128 ] || [ "$code" -eq 124 ]; then
  record "[c-install] c-install of 65,537 instructions" fail "exit $code"
elif [ "$code" -ne 0 ]; then
  if [ -s "$T/err" ]; then record "[c-install] c-install of 65,537 instructions" ok
  else record "[c-install] c-install of 65,537 instructions" fail "exit $code without a message"; fi
elif command -v cc >/dev/null; then
  printf '\nint main(void) { return sckit_install_filter() == 0 ? 0 : 3; }\n' >>"$T/big.c"
  if cc -o "$T/big_install" "$T/big.c" 2>"$T/cc_err"; then
    "$T/big_install"
    rc=$?
    if [ "$rc" -ne 0 ]; then record "[c-install] c-install of 65,537 instructions" ok
    else record "[c-install] c-install of 65,537 instructions" fail "the generated C installed something"; fi
  else
    record "[c-install] c-install of 65,537 instructions" ok  # the generated C refuses to compile
  fi
else
  record "[c-install] c-install of 65,537 instructions" fail "exit 0 and no cc to check the generated C"
fi
expect "[formats] asm: unclosed /* is an error with its line" "2" "line 2" \
  "$SCKIT" asm --emit raw -o "$T/x.bpf" "$T/unclosed.s"
expect "[formats] verify: unclosed /* is an error" "1 2" "line 2" "$SCKIT" verify "$T/unclosed.s"
expect "[records] eval: args=1 a0=2 conflict" "2" "a0|args" \
  "$SCKIT" eval --filter "$T/allow.bpf" --data 'nr=0 args=1 a0=2'
expect "[formats] C array: garbage between entries" "1 2" "line 2" "$SCKIT" verify "$T/garbage.c"
run_capped "$T/out" "$T/err" "$SCKIT" eval --filter "$T/allow.bpf" --vectors "$T/record.bin"
if [ "$code" -eq 0 ] && grep -q ALLOW "$T/out"; then
  record "[records] binary record without a zero byte is read as binary" ok
else
  record "[records] binary record without a zero byte is read as binary" fail "exit $code; $(head -c 300 "$T/err")"
fi
run_capped "$T/out" "$T/err" "$SCKIT" verify --json "$bad_name"
if [ "$code" -eq 0 ] && iconv -f UTF-8 -t UTF-8 "$T/out" >/dev/null 2>&1 && grep -q '"accepted": *true' "$T/out"; then
  record "[formats] verify --json: a non-UTF-8 file name gives valid JSON" ok
else
  record "[formats] verify --json: a non-UTF-8 file name gives valid JSON" fail "exit $code; output not UTF-8 or not accepted: $(head -c 200 "$T/out" | od -c | head -3)"
fi
expect "import oci --caps CAP_BOGUS" "2" "unknown capability \"CAP_BOGUS\"" \
  "$SCKIT" import oci "$T/profile.json" --caps CAP_BOGUS -o "$T/x.bpf"
expect "import oci --caps sys_admn suggests" "2" "did you mean CAP_SYS_ADMIN" \
  "$SCKIT" import oci "$T/profile.json" --caps sys_admn -o "$T/x.bpf"
expect "dump -- /nonexistent" "127" "No such file or directory" "$SCKIT" dump -- "$T/nonexistent"
expect "dump --out a regular file" "2" "not a directory" \
  "$SCKIT" dump --out "$T/allow.bpf" -- /bin/true
if grep -q "Success" "$T/err"; then record "dump --out a regular file: no 'Success'" fail "$(cat "$T/err")"
else record "dump --out a regular file: no 'Success'" ok; fi
expect "[formats] verify: an empty raw file is the kernel's empty-program" "1" "empty-program" \
  "$SCKIT" verify "$T/empty.bpf"

# --- unbounded memory and time ------------------------------------------------------------
for input in /dev/zero /dev/urandom "$T/sparse.bin"; do
  what=${input/#$T\//a 1 GB }  # "a 1 GB sparse.bin"
  expect "[formats] verify $what" "1 2" "" "$SCKIT" verify "$input"
  expect "[formats] disasm $what" "1 2" "" "$SCKIT" disasm "$input"
  expect "[formats] analyze $what" "1 2" "" "$SCKIT" analyze "$input"
  expect "import oci $what" "2" "" "$SCKIT" import oci "$input" -o "$T/x.bpf"
done
expect "[records] test: 30 lines of 1,048,576 records each" "0 1 2" "" \
  "$SCKIT" test --filter "$T/allow.bpf" "$T/huge.cases"
expect "[formats] a 150,000-entry C array" "1 2" "4096|too many|too large" \
  "$SCKIT" verify "$T/huge.c"
if grep -qi "macro expansion" "$T/err"; then record "[formats] a C array has no macro expansion" fail "$(cat "$T/err")"
else record "[formats] a C array has no macro expansion" ok; fi
# [sweep] fuzz findings of 2026-12-07 (docs/fuzzing.md), through the command.
{
  for i in $(seq 0 18); do n="M$((i + 1))"; echo "#define M$i $n $n $n $n"; done
  printf '#define M19\n\nM0\n{ 0x06, 0, 0, 0x7fff0000 },\n'
} >"$T/nested-macros.c"
expect "[sweep] a C array of nested macros expanding to nothing" "1 2" "line 22.*macros expand" \
  "$SCKIT" verify "$T/nested-macros.c"
printf '{"defaultAction": "SCMP_ACT_ERRNO",\n "defaultErrnoRet": 1e400}\n' >"$T/overflow.json"
expect "[sweep] import oci of a number beyond a double" "2" "line 2, column 21.*out of range" \
  "$SCKIT" import oci "$T/overflow.json" -o "$T/x.bpf"
expect "cfg --format svg of a graph too large for Graphviz" "2" "too large for an SVG layout.*--format dot" \
  "$SCKIT" cfg --format svg -o "$T/x.svg" "$T/shared.bpf"

# --- aborts -------------------------------------------------------------------------------
expect "import oci of a directory" "2" "is a directory" \
  "$SCKIT" import oci "$T/a_directory" -o "$T/x.bpf"
for cmd in verify disasm analyze; do
  expect "$cmd of a directory" "1 2" "directory" "$SCKIT" $cmd "$T/a_directory"
done

# --- write errors -------------------------------------------------------------------------
expect "[writes] fuzz --out /dev/full" "2" "" \
  "$SCKIT" fuzz --filter "$T/allow.bpf" --time 0 --runs 1000 --out /dev/full
run_capped /dev/null "$T/err" sh -c "'$SCKIT' eval --filter '$T/allow.bpf' --data nr=0 >/dev/full"
if [ "$code" -eq 2 ] && [ -s "$T/err" ]; then record "[writes] eval > /dev/full" ok
else record "[writes] eval > /dev/full" fail "exit $code; $(head -c 300 "$T/err")"; fi
run_capped /dev/null "$T/err" sh -c "'$SCKIT' verify --json '$T/allow.bpf' >/dev/full"
if [ "$code" -eq 2 ] && [ -s "$T/err" ]; then record "[writes] verify --json > /dev/full" ok
else record "[writes] verify --json > /dev/full" fail "exit $code; $(head -c 300 "$T/err")"; fi

if [ -n "${XML_OUTPUT_FILE:-}" ]; then
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n<testsuite name="hostile" tests="%d" failures="%d">\n%s</testsuite>\n</testsuites>\n' \
    $((passes + fails)) "$fails" "$cases_xml" >"$XML_OUTPUT_FILE"
fi
echo "$passes passed, $fails failed"
test "$fails" -eq 0
