"""`python -m pretrain_explorer.tui`: the same command as `pretrain-explorer`."""

import sys

from .launch import main

sys.exit(main())
