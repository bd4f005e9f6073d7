#!/bin/bash
# Usage: run_bad_input.sh TABLE NAME GCLAB SOURCE_DIR SCRATCH_DIR
# Runs row NAME of the bad-input table (bad_inputs.tsv, whose header says what
# passing means) against the gclab binary GCLAB: the output checks are
# expect_one_error_line.sh's, the folder checks are here.
set -u
table=$1 name=$2 gclab=$3 src=$4 scratch=$5
row=$(awk -F'\t' -v name="$name" '$1 == name { print; exit }' "$table")
[ -n "$row" ] || { echo "FAIL: no row '$name' in $table"; exit 1; }
expected=$(printf '%s' "$row" | cut -f2)
arguments=$(printf '%s' "$row" | cut -f3)
fixtures=$src/tests/harness/bad-inputs
never=$scratch/never-written-$name
expected=${expected//@SRC@/$src}; expected=${expected//@FIXTURES@/$fixtures}
arguments=${arguments//@SRC@/$src}; arguments=${arguments//@FIXTURES@/$fixtures}
arguments=${arguments//@OUT@/$never}
eval "set -- $arguments"

# Every folder named by an --out or --minheap-cache argument, and the fixtures:
# those that exist must be left as they are, those that do not must not appear.
rm -rf "$never"
watched=("$fixtures")
for arg in "$@"; do
  case "$arg" in --out=* | --minheap-cache=*) watched+=("${arg#*=}") ;; esac
done
snapshot() {
  for path in "${watched[@]}"; do
    if [ -e "$path" ]; then
      echo "== $path"; find "$path" -printf '%p %s\n' | sort; find "$path" -type f -exec md5sum {} + | sort
    else
      echo "== $path absent"
    fi
  done
}
before=$(snapshot)
"$(dirname "$0")/expect_one_error_line.sh" "$expected" "$gclab" "$@" || exit 1
[ ! -e "$never" ] || { echo "FAIL ($name): $never was created"; exit 1; }
after=$(snapshot)
[ "$before" = "$after" ] || { echo "FAIL ($name): files changed: $(diff <(echo "$before") <(echo "$after"))"; exit 1; }
