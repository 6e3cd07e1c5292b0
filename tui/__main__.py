import sys

from pretrain_explorer.tui.launch import main

sys.exit(main())
