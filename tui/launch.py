"""The command's entry point: loads the program inside the guard, so that a Ctrl-C while numpy,
scipy and Textual are still importing ends quietly instead of in a traceback."""

import gc
import sys

from .exits import INTERRUPTED


def main() -> int:
    # Importing numpy, scipy and Textual makes tens of thousands of objects that live as long as
    # the program: the collections they trigger on the way find nothing to free (a tenth of the
    # imports' time). Collection resumes once they are in.
    gc.disable()
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        print("pretrain-explorer: interrupted", file=sys.stderr)
        return INTERRUPTED
    finally:
        gc.enable()
    return run()
