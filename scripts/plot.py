#!/usr/bin/env python3
"""Charts from a gclab results folder: scripts/plot.py RESULTS_DIR [--svg] [--baseline C].

Writes PNG (and SVG with --svg) into RESULTS_DIR/charts/ and prints their paths."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gclabplot.interpreter import ensure_matplotlib  # noqa: E402

ensure_matplotlib()
from gclabplot.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv, report=False))
