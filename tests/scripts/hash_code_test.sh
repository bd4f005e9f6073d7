#!/usr/bin/env bash
# cmake/HashCode.cmake: the minimum-heap cache's build key changes with the code a run
# depends on, and with nothing else.
#   hash_code_test.sh SOURCE_DIR
set -euo pipefail
script=$1/cmake/HashCode.cmake
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/collectors/mygc"
echo 'int Collect() { return 1; }' >"$work/src/collectors/mygc/mygc.cc"
echo '# mygc' >"$work/src/collectors/mygc/README.md"
printf 'collectors/mygc/mygc.cc\n' >"$work/list.txt"
hash() {
  cmake -DOUTPUT="$work/out.h" -DLIST="$work/list.txt" -DSOURCE_DIR="$work/src" \
    -DEXTRA="${1:-GNU 12 Release}" -P "$script"
  cat "$work/out.h"
}
first=$(hash)
grep -q '^#define GCLAB_CODE_HASH "[0-9a-f]\{16\}"$' <<<"$first" || { echo "FAIL: $first"; exit 1; }
before=$(stat -c %Y "$work/out.h")
sleep 1
echo 'More words.' >>"$work/src/collectors/mygc/README.md"
[ "$(hash)" = "$first" ] || { echo "FAIL: a README edit changed the hash"; exit 1; }
[ "$(stat -c %Y "$work/out.h")" = "$before" ] || { echo "FAIL: an unchanged hash rewrote the header"; exit 1; }
[ "$(hash "GNU 12 Debug")" != "$first" ] || { echo "FAIL: the build type does not count"; exit 1; }
echo 'int Collect() { return 2; }' >"$work/src/collectors/mygc/mygc.cc"
[ "$(hash)" != "$first" ] || { echo "FAIL: a code edit kept the hash"; exit 1; }
echo "ok"
