#!/usr/bin/env bash
# Build-time step of the per-arch constant tables (issue 15; see gen_arch_constants.cc): the LLVM
# IR in which clang, targeting TRIPLE, has evaluated every upper-case macro of
# rules_constants_headers.h over that arch's own headers (Debian's libc6-dev-<arch>-cross and
# linux-libc-dev-<arch>-cross under /usr/TRIPLE/include; the host's for x86_64-linux-gnu).
# A macro whose expansion does not compile for the arch (an ioctl encoding of a struct its
# headers do not define) is left out and the probe compiled again, at most 8 times.
#   gen_arch_constants.sh CLANG GEN HEADERS TRIPLE OUT.ll
set -euo pipefail
clang=$1 gen=$2 headers=$3 triple=$4 out=$5
if [ "$triple" = "x86_64-linux-gnu" ]; then
  libc=/usr/include
  inc=(-isystem /usr/include/x86_64-linux-gnu -isystem /usr/include)
else
  libc=/usr/$triple/include
  inc=(-isystem "$libc")
fi
if [ ! -f "$libc/stdio.h" ] || [ ! -f "${inc[1]}/asm/ioctls.h" ]; then
  echo "gen_arch_constants.sh: no C library and kernel headers for $triple in $libc" \
       "(install libc6-dev-<arch>-cross: ./dev.sh setup)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$headers" "$work/rules_constants_headers.h"
flags=(--target="$triple" -nostdlibinc "${inc[@]}" -w)
"$clang" -E -dM -x c++ "${flags[@]}" "$work/rules_constants_headers.h" > "$work/defines.txt"
: > "$work/excluded.txt"
for try in 1 2 3 4 5 6 7 8; do
  "$gen" probe "$work/excluded.txt" < "$work/defines.txt" > "$work/probe.cc"
  if "$clang" -std=gnu++17 -ferror-limit=0 -x c++ "${flags[@]}" -S -emit-llvm \
       -o "$out" "$work/probe.cc" 2> "$work/errors.txt"; then
    exit 0
  fi
  # The names on the probe lines the errors point at.
  before=$(wc -l < "$work/excluded.txt")
  grep -o "^$work/probe.cc:[0-9]*" "$work/errors.txt" | sed 's/.*://' | sort -un | while read -r n; do
    sed -n "${n}p" "$work/probe.cc" | grep -o 'sckit_[iv]_[A-Z0-9_]*' | sed 's/^sckit_[iv]_//'
  done | sort -u >> "$work/excluded.txt"
  sort -u -o "$work/excluded.txt" "$work/excluded.txt"
  if [ "$(wc -l < "$work/excluded.txt")" -eq "$before" ]; then break; fi
done
echo "gen_arch_constants.sh: the probe for $triple does not compile:" >&2
head -20 "$work/errors.txt" >&2
exit 1
