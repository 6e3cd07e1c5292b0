"""The property test of tests/test_property.py with many more examples: generated experiment
folders, each run as `report --json`, must give exit 0 and strict JSON or exit 2 and one line.

    python benchmarks/stress.py [--examples 5000] [--seed N]

Unlike the suite's run it is randomized (a new seed each run unless --seed is given) and prints
how many runs ended each way; a failure prints the smallest folder Hypothesis found.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the strategies live beside the test that uses them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, help="reproduce a run")
    args = parser.parse_args()
    from hypothesis import HealthCheck, given, seed, settings
    from strategies import experiment_folders, write_folder
    from test_property import check_one

    outcomes: collections.Counter = collections.Counter()

    class Capture:  # what capsys gives check_one in the suite
        def readouterr(self):
            out, err = self.out.getvalue(), self.err.getvalue()
            self.out, self.err = io.StringIO(), io.StringIO()
            return out, err

    capture = Capture()

    @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(files=experiment_folders())
    def run(files):
        capture.out, capture.err = io.StringIO(), io.StringIO()
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "experiment"
            write_folder(folder, files)
            with contextlib.redirect_stdout(capture.out), contextlib.redirect_stderr(capture.err):
                outcomes[check_one(folder, capture)] += 1

    if args.seed is not None:
        run = seed(args.seed)(run)
    run()
    print(f"{sum(outcomes.values()):,} folders: " + ", ".join(f"exit {k}: {v:,}" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
