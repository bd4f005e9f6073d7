#!/usr/bin/env bash
# Runs a test script of tests/scripts under a Python that can import matplotlib.
# Without one, the test is skipped (exit 77, which CTest reports as skipped) with the
# reason on stdout; the README's set-up installs python3-matplotlib, so CI never skips.
#   with_plot_python.sh SOURCE_DIR TEST_SCRIPT [ARGS...]
set -uo pipefail
source_dir=$1
script=$2
shift 2
finder="$source_dir/scripts/gclabplot/interpreter.py"
python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1; then
    python=$("$candidate" "$finder" 2>/dev/null) && break
    python=""
  fi
done
if [ -z "$python" ]; then
  echo "SKIPPED: no Python with matplotlib (install python3-matplotlib)"
  exit 77
fi
exec "$python" "$source_dir/tests/scripts/$script" "$source_dir" "$@"
