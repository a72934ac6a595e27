#!/usr/bin/env bash
# Writes the AUDIT_ARCH table sckit knows from the system's <linux/audit.h>: one
# SCKIT_AUDIT_ARCH(NAME) line per AUDIT_ARCH_* the header defines. The values are not copied:
# the line expands to AUDIT_ARCH_NAME, which the compiler evaluates from the same header.
# Usage: gen_arch_table.sh AUDIT_H OUT
set -euo pipefail
header=$1
out=$2
names=$(sed -n 's/^#define[[:space:]]\{1,\}AUDIT_ARCH_\([A-Z0-9_]\{1,\}\)[[:space:]].*/\1/p' "$header" | sort -u)
count=$(printf '%s\n' "$names" | grep -c .)
if [ "$count" -lt 20 ]; then
  echo "gen_arch_table: only $count AUDIT_ARCH_* names in $header" >&2
  exit 1
fi
{
  echo "// Generated at build time from <linux/audit.h> by vm/gen_arch_table.sh: do not edit."
  printf 'SCKIT_AUDIT_ARCH(%s)\n' $names
} > "$out"
