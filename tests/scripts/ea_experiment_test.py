"""scripts/ea_experiment.py on the committed results of the escape-analysis experiment
(results/ea-experiment-small/, the README's table and chart): the tables it writes
from the committed runs.csv are the committed ones, and it draws the chart.

  ea_experiment_test.py SOURCE_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = sys.argv[1]
COMMITTED = os.path.join(SOURCE_DIR, "results", "ea-experiment-small")
SCRIPT = os.path.join(SOURCE_DIR, "scripts", "ea_experiment.py")


class EaExperimentTest(unittest.TestCase):
    def test_the_committed_tables_regenerate_from_the_committed_runs(self):
        with tempfile.TemporaryDirectory() as work:
            folder = os.path.join(work, "ea")
            os.makedirs(folder)
            for name in ("runs.csv", "manifest.json"):
                shutil.copy(os.path.join(COMMITTED, name), folder)
            subprocess.run([sys.executable, SCRIPT, folder], check=True,
                           stdout=subprocess.DEVNULL)
            with open(os.path.join(folder, "ea-experiment.md")) as f:
                made = f.read()
            with open(os.path.join(COMMITTED, "ea-experiment.md")) as f:
                committed = f.read()
            # The remembered-set table needs pauses.csv and phases.csv, which are not
            # committed; everything before it is made from runs.csv alone.
            cut = "generational's remembered set at collection time"
            self.assertIn(cut, committed)
            self.assertEqual(made.split("(No remembered-set table")[0].rstrip(),
                             committed.split(cut)[0].rstrip())
            for ext in ("svg", "png"):
                path = os.path.join(folder, "charts", f"ea-speedup.{ext}")
                self.assertGreater(os.path.getsize(path), 10_000, path)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
