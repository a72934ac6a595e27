#!/usr/bin/env bash
# Writes the syscall tables sckit adds to libseccomp's (vm/syscall_extra.cc includes them):
#   GENERIC_OUT  one SCKIT_GENERIC_NR(name) per __NR_name of the system's <asm-generic/unistd.h>,
#                each inside #ifdef __NR_name: the values are not copied, the compiler evaluates
#                them from the same header with the arch's __ARCH_WANT_* switches;
#   NEWER_OUT    one SCKIT_NEWER(table, nr, name) per line of vm/syscalls_newer.tbl (sourced
#                data for calls newer than the installed headers).
# Usage: gen_syscall_table.sh UNISTD_GENERIC_H NEWER_TBL GENERIC_OUT NEWER_OUT
set -euo pipefail
header=$1
tbl=$2
generic_out=$3
newer_out=$4
names=$(sed -n 's/^#define[[:space:]]\{1,\}__NR_\([a-z0-9_]\{1,\}\)[[:space:]].*/\1/p' "$header" |
        grep -v '^3264_' | grep -vx 'syscalls' | sort -u)
count=$(printf '%s\n' "$names" | grep -c .)
if [ "$count" -lt 250 ]; then
  echo "gen_syscall_table: only $count __NR_ names in $header" >&2
  exit 1
fi
{
  echo "// Generated at build time from <asm-generic/unistd.h> by vm/gen_syscall_table.sh."
  for n in $names; do
    printf '#ifdef __NR_%s\nSCKIT_GENERIC_NR(%s)\n#endif\n' "$n" "$n"
  done
} > "$generic_out"
{
  echo "// Generated at build time from vm/syscalls_newer.tbl by vm/gen_syscall_table.sh."
  grep -v '^#' "$tbl" | grep . | while read -r table nr name rest; do
    case "$table" in generic|x86_64) ;; *) echo "gen_syscall_table: bad table '$table'" >&2; exit 1;; esac
    case "$nr" in ''|*[!0-9]*) echo "gen_syscall_table: bad number '$nr'" >&2; exit 1;; esac
    case "$name" in ''|*[!a-z0-9_]*) echo "gen_syscall_table: bad name '$name'" >&2; exit 1;; esac
    if [ -n "$rest" ]; then echo "gen_syscall_table: extra field on $nr" >&2; exit 1; fi
    printf 'SCKIT_NEWER(%s, %s, "%s")\n' "$table" "$nr" "$name"
  done
} > "$newer_out"
