#!/usr/bin/env bash
# vm/gen_syscall_table.sh turns the sourced table into C++ only when every line is well formed:
# a bad table name, number or name, or an extra field stops the build (exit 1); a good table
# gives one SCKIT_NEWER line per entry; the generic header gives #ifdef-guarded names.
set -uo pipefail
GEN=vm/gen_syscall_table.sh
H=/usr/include/asm-generic/unistd.h
T=${TEST_TMPDIR:-$(mktemp -d)}
fails=0
check() { local n=$1; shift; if "$@"; then echo "ok   $n"; else echo "FAIL $n"; fails=$((fails + 1)); fi; }

printf '# comment\ngeneric 462 mseal\nx86_64 335 uretprobe\n' >"$T/good.tbl"
"$GEN" "$H" "$T/good.tbl" "$T/g.inc" "$T/n.inc"
check "good table: exit 0" test $? -eq 0
check "good table: mseal" grep -qx 'SCKIT_NEWER(generic, 462, "mseal")' "$T/n.inc"
check "good table: uretprobe" grep -qx 'SCKIT_NEWER(x86_64, 335, "uretprobe")' "$T/n.inc"
check "good table: two entries" test "$(grep -c '^SCKIT_NEWER' "$T/n.inc")" -eq 2
check "generic header: read guarded" grep -qx 'SCKIT_GENERIC_NR(read)' "$T/g.inc"
check "generic header: no __NR3264_ names" bash -c "! grep -q 'SCKIT_GENERIC_NR(3264' '$T/g.inc'"
for bad in 'arm64 462 mseal' 'generic 4x2 mseal' 'generic 462 m-seal' 'generic 462 mseal extra'; do
  printf '%s\n' "$bad" >"$T/bad.tbl"
  "$GEN" "$H" "$T/bad.tbl" "$T/g.inc" "$T/n.inc" 2>"$T/err"
  rc=$?
  check "bad line '$bad': exit 1 (got $rc)" test $rc -eq 1
  check "bad line '$bad': says why" grep -q "gen_syscall_table: " "$T/err"
done
echo "$fails failed"
test "$fails" -eq 0
