#!/usr/bin/env bash
# Writes the errno and signal name tables sckit prints with (vm/names.cc), one per numbering of
# the kernel's UAPI: the generic one (<asm-generic/errno*.h> and x86's <asm/signal.h>) and
# each arch family that numbers errnos or signals its own way (powerpc, mips, parisc, sparc,
# alpha), from that arch's own kernel headers (Debian's linux-libc-dev-<arch>-cross, installed
# by ./dev.sh setup, under /usr/<triple>/include).
#
# The C preprocessor reads <asm/errno.h> and <asm/signal.h> of each family (-undef -nostdinc:
# only those headers, no compiler's target macros) and prints every #define in the order the
# headers make them (-dD); from the lines of errno.h, errno-base.h and signal.h this keeps
# each E* and SIG* defined as a decimal number, and each alias defined by the name of an
# earlier one (EWOULDBLOCK EAGAIN, SIGABRT SIGIOT on mips) with that name's value, marked as an
# alias (read, never printed; so is SIGUNUSED, which parisc defines before SIGSYS with SIGSYS's
# number). An #undef drops a name (powerpc redefines EDEADLOCK as 58).
# SIGRTMIN, SIGRTMAX and the stack sizes are not signals. Nothing is typed here: the values
# are the headers', at build time.
#
# Usage: gen_names_table.sh CC OUT [FAMILY=INCDIR[,INCDIR...] ...]
#   FAMILY is the Numbering enumerator (kGeneric, kMips, ...) the rows are written for; without
#   any, the families and headers below (the one list: vm/BUILD and fuzz/build.sh use it). The
#   cross headers are read from /usr/<triple>/include; vm/BUILD gives every cross triple's
#   asm headers to the genrule as inputs (@system//:cross_uapi_headers), so a changed package
#   regenerates the table. mips's headers are one file for every mips ABI, powerpc's for every
#   powerpc.
set -euo pipefail
cc=$1
out=$2
shift 2
if [ $# -eq 0 ]; then
  set -- kGeneric=/usr/include/x86_64-linux-gnu,/usr/include \
         kPowerpc=/usr/powerpc64le-linux-gnu/include \
         kMips=/usr/mipsel-linux-gnu/include \
         kParisc=/usr/hppa-linux-gnu/include \
         kSparc=/usr/sparc64-linux-gnu/include \
         kAlpha=/usr/alpha-linux-gnu/include
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include <asm/errno.h>\n#include <asm/signal.h>\n' > "$work/probe.c"
{
  echo "// Generated at build time by vm/gen_names_table.sh from each numbering's <asm/errno.h>"
  echo "// and <asm/signal.h>: do not edit."
  for spec in "$@"; do
    family=${spec%%=*}
    IFS=, read -ra dirs <<< "${spec#*=}"
    inc=()
    for d in "${dirs[@]}"; do inc+=(-isystem "$d"); done
    if [ ! -f "${dirs[0]}/asm/errno.h" ] || [ ! -f "${dirs[0]}/asm/signal.h" ]; then
      echo "gen_names_table.sh: no kernel headers for $family in ${dirs[0]}" \
           "(install linux-libc-dev-<arch>-cross: ./dev.sh setup)" >&2
      exit 1
    fi
    "$cc" -E -dD -undef -nostdinc "${inc[@]}" -x c "$work/probe.c" > "$work/defines.i"
    awk -v family="$family" '
      function kind(n) {
        if (n ~ /^E[A-Z0-9]+$/) return "kErrno"
        if (n ~ /^SIG[A-Z0-9]+$/ && n != "SIGRTMIN" && n != "SIGRTMAX" && n !~ /STKSZ$/) return "kSignal"
        return ""
      }
      /^# [0-9]+ "/ {
        file = $3; gsub(/"/, "", file); sub(/.*\//, "", file)
        ours = (file == "errno.h" || file == "errno-base.h" || file == "signal.h")
        next
      }
      !ours { next }
      $1 == "#undef" && ($2 in value) { delete value[$2]; next }
      $1 == "#define" && NF == 3 {
        k = kind($2)
        if (k == "") next
        if ($3 ~ /^[0-9]+$/) { v = $3 + 0; alias = "false" }
        else if (($3 in value) && kinds[$3] == k) { v = value[$3]; alias = "true" }
        else next
        if ($2 ~ /UNUSED$/) alias = "true"
        if (!($2 in value)) order[++count] = $2
        value[$2] = v; kinds[$2] = k; aliases[$2] = alias
      }
      END {
        for (i = 1; i <= count; ++i) {
          n = order[i]
          if (!(n in value) || seen[n]++) continue
          if (aliases[n] == "false") numeric[kinds[n]]++
          printf "SCKIT_NAME(%s, %s, \"%s\", %d, %s)\n", kinds[n], family, n, value[n], aliases[n]
        }
        if (numeric["kErrno"] < 25 || numeric["kSignal"] < 25) {
          printf "gen_names_table.sh: only %d errnos and %d signals for %s\n",
                 numeric["kErrno"], numeric["kSignal"], family > "/dev/stderr"
          exit 1
        }
      }' "$work/defines.i"
  done
} > "$out"
