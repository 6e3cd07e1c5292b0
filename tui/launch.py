"""The command's entry point: loads the program inside the guard, so that a Ctrl-C while numpy,
scipy and Textual are still importing (a second or so) ends quietly instead of in a traceback."""

import sys

from pretrain_explorer.tui.exits import INTERRUPTED


def main() -> int:
    try:
        from pretrain_explorer.tui.cli import main as run
    except KeyboardInterrupt:
        print("pretrain-explorer: interrupted", file=sys.stderr)
        return INTERRUPTED
    return run()
