"""Peak memory of `pretrain` on the worst case for it: a whole corpus on one line, against the same
text in short lines. Lines are cut at engine.pretraining.corpus.MAX_LINE_BYTES, so both should peak alike.

    python benchmarks/long_line.py [--megabytes 100]

Each run is a fresh process; peak memory is its maximum resident size (workers counted apart).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = " ".join(a + b + c for a in "abcdefghij" for b in "klmnopqrst" for c in "uvwxyz").encode() + b" "


def write_corpus(path: Path, megabytes: int, one_line: bool) -> None:
    separator = b" " if one_line else b"\n"
    piece = WORDS.replace(b"zz ", b"zz" + separator) if not one_line else WORDS
    with open(path, "wb") as out:
        for _ in range((megabytes << 20) // len(piece) + 1):
            out.write(piece)
        out.write(b"\n")


def peak_of_pretrain(corpus: Path, output: Path) -> tuple[float, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pretrain_explorer.tui", "pretrain", str(corpus), "-o", str(output), "--force"],
                   check=True, capture_output=True, cwd=corpus.parent)
    seconds = time.perf_counter() - started
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        # Short lines first: RUSAGE_CHILDREN keeps the largest child so far, so the second reading
        # is the one-line run's only if it is the larger.
        for one_line in (False, True):
            corpus = folder / ("one-line.txt" if one_line else "short-lines.txt")
            write_corpus(corpus, args.megabytes, one_line)
            peak, seconds = peak_of_pretrain(corpus, folder / "v.npz")
            corpus.unlink()
            print(f"{'one line' if one_line else 'short lines'}: {args.megabytes} MB, peak so far {peak:,.0f} MB, "
                  f"{seconds:.1f} s")


if __name__ == "__main__":
    main()
