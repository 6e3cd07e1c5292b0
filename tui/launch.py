"""The command's entry point: loads the program inside the guard, so that a Ctrl-C while numpy,
scipy and Textual are still importing ends quietly instead of in a traceback."""

import sys

from .exits import INTERRUPTED


def main() -> int:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        print("pretrain-explorer: interrupted", file=sys.stderr)
        return INTERRUPTED
    return run()
