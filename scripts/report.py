#!/usr/bin/env python3
"""A self-contained HTML report of a gclab results folder: scripts/report.py RESULTS_DIR.

Draws the charts (as plot.py does), writes RESULTS_DIR/report.html with them
embedded, and prints its path."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gclabplot.interpreter import ensure_matplotlib  # noqa: E402

ensure_matplotlib()
from gclabplot.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv, report=True))
