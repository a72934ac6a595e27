#!/usr/bin/env bash
# The house's one rule, checked on every build: data flows one way. Each folder may include
# only the folders listed for it below (docs/architecture.md draws the same table); nothing
# outside tools/ includes tools/. A new include that breaks the flow fails here with the line.
set -uo pipefail

declare -A allowed=(
  [vm]="vm"
  [formats]="formats vm"
  [verifier]="verifier vm"
  [jit]="jit vm"
  [analysis]="analysis formats verifier vm"
  [live]="live formats verifier vm"
  [policy]="policy analysis formats verifier vm"
  [optimize]="optimize analysis formats verifier vm"
  [eval]="eval formats jit live verifier vm"
  [bench]="bench analysis capi eval formats jit live policy verifier vm"
  [capi]="capi eval formats jit verifier vm"
  [fuzz]="fuzz analysis eval formats jit optimize policy verifier vm"
  [tools]="tools analysis bench eval formats jit live optimize policy verifier vm"
)

checked=0
bad=0
while IFS= read -r -d '' file; do
  folder=${file%%/*}
  [ -n "${allowed[$folder]+x}" ] || continue
  checked=$((checked + 1))
  while IFS=: read -r line target; do
    dep=${target%%/*}
    case " ${allowed[$folder]} " in
      *" $dep "*) ;;
      *) echo "$file:$line: $folder/ may not include $target (allowed: ${allowed[$folder]})"
         bad=$((bad + 1)) ;;
    esac
  done < <(grep -n -o '^#include "[a-z_]*/[^"]*"' "$file" | sed 's/#include "//; s/"$//')
done < <(find . -path ./tests -prune -o \( -name '*.h' -o -name '*.cc' -o -name '*.c' \) -print0 |
         sed -z 's#^\./##')

echo "$checked files checked, $bad includes against the flow"
[ "$checked" -gt 50 ] || { echo "too few files found: is the runfiles tree laid out?"; exit 1; }
[ "$bad" -eq 0 ]
