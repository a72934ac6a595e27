#!/usr/bin/env bash
# fuzz/build.sh links the fuzz targets by hand (no Bazel, as OSS-Fuzz builds); its LIB_SOURCES
# is a second copy of what the BUILD files say. This test holds the copy to the BUILD files:
#   link_sources_test.sh MANIFEST BUILD_SH TARGET...
# MANIFEST (fuzz/link_sources.bzl) lists every source of every library the fuzz targets link;
# TARGET... are fuzz/BUILD's FUZZERS. It fails, naming the file, when build.sh
#   - leaves out a source the libraries have (the link would fail: a file split, a new file),
#   - names a file that does not exist (a glob matching nothing, a file renamed),
#   - links a file no fuzz target's libraries contain, outside the folders it may link whole
#     (vm/, formats/, verifier/, jit/: they import only themselves and vm/, so all of such a
#     folder and vm/ links; anything else may need what build.sh does not link),
#   - generates a source the libraries do not have, or misses one they do,
#   - builds a different set of targets than fuzz/BUILD.
# Runs in the runfiles tree, where each package's house_sources are: build.sh's globs expand
# over the same files as in a checkout.
set -uo pipefail

manifest=$1
build_sh=$2
shift 2
bazel_targets=("$@")

[ -s "$manifest" ] || { echo "FAIL: $manifest is empty: the aspect found no library source"; exit 1; }
listed=$(SCKIT_SRC="$PWD" "$build_sh" --print-sources) || {
  echo "FAIL: fuzz/build.sh --print-sources failed"; exit 1; }

declare -A linked=() generated=() needed=() needed_gen=()
while IFS= read -r entry; do
  case "$entry" in
    gen:*) generated[${entry#gen:}]=1 ;;
    *) linked[$entry]=1 ;;
  esac
done <<<"$listed"

bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }

for path in "${!linked[@]}"; do
  [ -f "$path" ] || fail "fuzz/build.sh: LIB_SOURCES names '$path', which does not exist" \
    "(a file renamed or removed, or a glob that matches nothing; or its package's :sources is" \
    "missing from this test's data in fuzz/BUILD)"
done

while read -r path label kind; do
  if [ "$kind" = generated ]; then
    needed_gen[$path]=1
    [ -n "${generated[$path]+x}" ] ||
      fail "fuzz/build.sh does not generate $path ($label, linked into the fuzz targets):" \
        "add it to GENERATED_SOURCES with the commands that make it"
  else
    needed[$path]=1
    [ -n "${linked[$path]+x}" ] ||
      fail "fuzz/build.sh does not link $path ($label, linked into the fuzz targets):" \
        "add it to LIB_SOURCES"
  fi
done <"$manifest"

# Is every source of FOLDER (and of vm/) linked?
linked_whole() {
  local f
  for f in "$1"/*.cc vm/*.cc; do
    [ -e "$f" ] || continue
    [ -n "${linked[$f]+x}" ] || return 1
  done
  return 0
}
for path in "${!linked[@]}"; do
  [ -n "${needed[$path]+x}" ] && continue
  [ -f "$path" ] || continue  # reported above
  folder=${path%%/*}
  case "$folder" in
    vm|formats|verifier|jit) linked_whole "$folder" && continue ;;
  esac
  fail "fuzz/build.sh links $path, which no fuzz target's libraries contain: what it needs" \
    "may not be linked; narrow the glob or drop the entry"
done
for path in "${!generated[@]}"; do
  [ -n "${needed_gen[$path]+x}" ] ||
    fail "fuzz/build.sh generates $path, which no fuzz target's libraries contain:" \
      "drop it from GENERATED_SOURCES"
done

sh_targets=$(SCKIT_SRC="$PWD" "$build_sh" --print-targets | sort | tr '\n' ' ')
bazel_sorted=$(printf '%s\n' "${bazel_targets[@]}" | sort | tr '\n' ' ')
[ "$sh_targets" = "$bazel_sorted" ] ||
  fail "fuzz/build.sh builds the targets [ $sh_targets] (every fuzz/<name>_fuzzer.cc) but" \
    "fuzz/BUILD's FUZZERS has [ $bazel_sorted]"

echo "${#needed[@]} library sources and ${#needed_gen[@]} generated ones in the fuzz targets;" \
  "fuzz/build.sh links ${#linked[@]} (+${#generated[@]} generated); $bad problems"
[ "$bad" -eq 0 ]
