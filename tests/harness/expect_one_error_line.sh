#!/bin/sh
# Usage: expect_one_error_line.sh PATTERN COMMAND [ARGS...]
# Passes when COMMAND exits non-zero, prints nothing on stdout, prints exactly one
# line on stderr, which starts with "gclab: " and contains PATTERN (fixed text), and
# leaves behind no folder named by an --out=PATH argument.
pattern=$1
shift
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
results=""
for arg in "$@"; do
  case "$arg" in --out=*) results=${arg#--out=} ;; esac
done
[ -z "$results" ] || rm -rf "$results"
"$@" >"$out" 2>"$err"
status=$?
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"; exit 1; }
[ "$status" -ne 0 ] || fail "exit status was 0"
[ ! -s "$out" ] || fail "something was printed on stdout"
[ "$(wc -l <"$err")" -eq 1 ] || fail "stderr has $(wc -l <"$err") lines, expected 1"
head -c 7 "$err" | grep -q '^gclab: ' || fail "stderr does not start with 'gclab: '"
grep -qF -- "$pattern" "$err" || fail "stderr does not contain: $pattern"
[ -z "$results" ] || [ ! -e "$results" ] || fail "the results folder $results was created"
echo "ok: $(cat "$err")"
