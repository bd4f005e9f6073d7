#!/bin/sh
# Usage: expect_one_error_line.sh PATTERN COMMAND [ARGS...]
# Passes when COMMAND exits with status 2, prints nothing on stdout, and prints
# exactly one line on stderr, which starts with "gclab: " and contains PATTERN
# (fixed text).
pattern=$1
shift
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
status=$?
fail() { echo "FAIL: $*"; echo "--- command: $command"; echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"; exit 1; }
command="$*"
[ "$status" -eq 2 ] || fail "exit status was $status, expected 2"
[ ! -s "$out" ] || fail "something was printed on stdout"
[ "$(wc -l <"$err")" -eq 1 ] || fail "stderr has $(wc -l <"$err") lines, expected 1"
head -c 7 "$err" | grep -q '^gclab: ' || fail "stderr does not start with 'gclab: '"
grep -qF -- "$pattern" "$err" || fail "stderr does not contain: $pattern"
echo "ok: $(cat "$err")"
