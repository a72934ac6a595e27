#!/usr/bin/env bash
# Every write of the sckit command is checked (issue 14 item 4): standard output that cannot be
# written (/dev/full) and output files that cannot be written (/dev/full, a missing directory,
# the file size limit) give exit 2 and a message; a failed file write leaves an existing file
# unchanged and no temporary file behind; a successful one leaves only the file.
set -uo pipefail
source tests/cli_test_lib.sh
F=examples/server/server.bpf
CASES=examples/server/server.cases
P=examples/profiles

# expect_stdout_error NAME ARGS...: stdout on /dev/full => exit 2 and the message.
expect_stdout_error() {
  local name=$1; shift
  "$SCKIT" "$@" >/dev/full 2>"$T/err"
  local rc=$?
  check "$name: exit 2 (got $rc)" test "$rc" -eq 2
  check "$name: says so" grep -q "write error on standard output: No space left on device\|cannot write standard output: No space left on device" "$T/err"
}

printf 'nr=read\nnr=openat\n' >"$T/records"
expect_stdout_error "verify --json" verify --json "$F"
expect_stdout_error "verify" verify "$F"
expect_stdout_error "eval --data" eval --filter "$F" --data nr=read
expect_stdout_error "eval --json --vectors" eval --filter "$F" --json --vectors "$T/records"
expect_stdout_error "test" test --filter "$F" "$CASES"
expect_stdout_error "disasm" disasm "$F"
expect_stdout_error "asm --emit c" asm --emit c "$F"
expect_stdout_error "jit --json" jit --json "$F"
expect_stdout_error "analyze --summary" analyze --summary "$F"
expect_stdout_error "diff" diff "$F" "$F"
expect_stdout_error "coverage" coverage --filter "$F" "$CASES"
expect_stdout_error "cfg" cfg "$F"
expect_stdout_error "fuzz" fuzz --filter "$F" --runs 2000 --no-solver
expect_stdout_error "fuzz --json" fuzz --filter "$F" --runs 2000 --no-solver --json
expect_stdout_error "bench --json" bench --filter "$F" --engines interp --repetitions 1 --rep-ms 1 --json
expect_stdout_error "import --emit asm" import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --emit asm
expect_stdout_error "compile --emit asm" compile examples/rules/server.policy --emit asm
expect_stdout_error "verify --help" verify --help
expect_stdout_error "sckit --help" --help

# A rejected filter still exits 1 when its output was written; exit 2 when it was not.
printf 'ld [0]\n' >"$T/bad.s"  # no ret at the end: rejected
"$SCKIT" asm "$T/bad.s" -o "$T/bad.bpf" 2>/dev/null
"$SCKIT" verify "$T/bad.bpf" >/dev/null 2>&1
check "rejected filter: exit 1" test $? -eq 1
"$SCKIT" verify "$T/bad.bpf" >/dev/full 2>/dev/null
check "rejected filter, stdout full: exit 2" test $? -eq 2

# Millions of records into /dev/full: stops at the first failed write instead of running on.
yes nr=read | head -n 2000000 >"$T/many"
start=$(date +%s%N)
"$SCKIT" eval --filter "$F" --vectors "$T/many" >/dev/full 2>"$T/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "eval of 2M records into /dev/full: exit 2" test $rc -eq 2
check "eval of 2M records into /dev/full: the errno is named" grep -q "No space left on device" "$T/err"
echo "     ($ms ms)"

# expect_file_error NAME PATH ARGS...: the output file cannot be written => exit 2, message.
expect_file_error() {
  local name=$1 path=$2; shift 2
  "$SCKIT" "$@" >/dev/null 2>"$T/err"
  local rc=$?
  check "$name: exit 2 (got $rc)" test "$rc" -eq 2
  check "$name: says so" grep -q "cannot write $path: " "$T/err"
}

for out in /dev/full "$T/missing/dir/out"; do
  expect_file_error "asm -o $out" "$out" asm "$F" --emit asm -o "$out"
  expect_file_error "disasm -o $out" "$out" disasm "$F" -o "$out"
  expect_file_error "fuzz --out $out" "$out" fuzz --filter "$F" --runs 2000 --no-solver --out "$out"
  expect_file_error "cfg -o $out" "$out" cfg "$F" -o "$out"
  expect_file_error "test --junit $out" "$out" test --filter "$F" "$CASES" --junit "$out"
  expect_file_error "bench --svg $out" "$out" bench --filter "$F" --engines interp --repetitions 1 --rep-ms 1 --svg "$out"
  expect_file_error "import -o $out" "$out" import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 -o "$out"
  expect_file_error "compile -o $out" "$out" compile examples/rules/server.policy -o "$out"
done
check "/dev/full is still a device" test -c /dev/full

# A write that fails half-way (file size limit 1 KiB; SIGXFSZ ignored so write() says EFBIG)
# leaves the old file as it was and no temporary file in the directory.
mkdir -p "$T/keep"
echo "old content" >"$T/keep/out"
for cmd in "disasm $F -o $T/keep/out" "fuzz --filter $F --runs 2000 --no-solver --out $T/keep/out" \
           "cfg $F -o $T/keep/out" "test --filter $F $CASES --junit $T/keep/out" \
           "import oci $P/docker-default.json --arch x86_64 --kernel-version 6.1 --emit asm -o $T/keep/out" \
           "compile examples/rules/server.policy --emit asm -o $T/keep/out"; do
  # stderr through a pipe: the size limit applies to every regular file the process writes.
  err=$( (trap '' XFSZ; ulimit -f 1; exec $SCKIT $cmd) 2>&1 >/dev/null )
  rc=$?
  echo "$err" >"$T/err"
  check "${cmd%% *} over the size limit: exit 2 (got $rc)" test $rc -eq 2
  # import refuses before writing: libseccomp's own export would be cut short under the limit.
  check "${cmd%% *} over the size limit: says so" \
    grep -qE "cannot write $T/keep/out: File too large|file-size limit \(ulimit -f\)" "$T/err"
  check "${cmd%% *} over the size limit: old file unchanged" test "$(cat "$T/keep/out")" = "old content"
  check "${cmd%% *} over the size limit: no temporary file" test "$(ls -A "$T/keep")" = "out"
done

# Success: the file is replaced and nothing else is left in the directory.
"$SCKIT" disasm "$F" -o "$T/keep/out"
check "disasm -o: exit 0" test $? -eq 0
check "disasm -o: written" cmp -s "$T/keep/out" <("$SCKIT" disasm "$F")
check "disasm -o: only the file" test "$(ls -A "$T/keep")" = "out"

finish
