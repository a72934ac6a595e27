#!/usr/bin/env bash
# Writes the errno and signal name tables sckit prints with, from the system's kernel headers:
# one SCKIT_ERRNO(NAME) line per E* that <asm-generic/errno-base.h> and <asm-generic/errno.h>
# define as a number, one SCKIT_SIGNAL(NAME) line per SIG* that <asm/signal.h> defines as a
# number (SIGRTMIN and the stack sizes excepted). The values are not copied: each line sits in
# an #ifdef and expands to the macro itself, which the compiler evaluates from <errno.h> and
# <signal.h> (a name the C library lacks, like SIGLOST inside a comment, drops out). Aliases
# defined by name (EWOULDBLOCK = EAGAIN, SIGPOLL = SIGIO) are skipped; of two names with one
# number (SIGABRT, SIGIOT) the first is the one printed (vm/names.cc).
# Usage: gen_names_table.sh ERRNO_BASE_H ERRNO_H SIGNAL_H OUT
set -euo pipefail
errno_base=$1
errno_more=$2
signal_h=$3
out=$4
numeric='s/^#define[[:space:]]\{1,\}\(PFX[A-Z0-9]\{1,\}\)[[:space:]]\{1,\}[0-9]\{1,\}\([[:space:]].*\)\{0,1\}$/\1/p'
errnos=$(cat "$errno_base" "$errno_more" | sed -n "${numeric//PFX/E}")
signals=$(sed -n "${numeric//PFX/SIG}" "$signal_h" | grep -v -e '^SIGRTMIN$' -e 'STKSZ$')
for what in errnos signals; do
  count=$(printf '%s\n' "${!what}" | grep -c .)
  if [ "$count" -lt 25 ]; then
    echo "gen_names_table: only $count $what in the headers" >&2
    exit 1
  fi
done
{
  echo "// Generated at build time by vm/gen_names_table.sh from <asm-generic/errno*.h> and"
  echo "// <asm/signal.h>: do not edit."
  for n in $errnos; do printf '#ifdef %s\nSCKIT_ERRNO(%s)\n#endif\n' "$n" "$n"; done
  for n in $signals; do printf '#ifdef %s\nSCKIT_SIGNAL(%s)\n#endif\n' "$n" "$n"; done
} > "$out"
