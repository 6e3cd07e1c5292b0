"""The explorer's screens: help, a path prompt, and the live views, one module each."""

from pretrain_explorer.tui.screens.help import HelpScreen
from pretrain_explorer.tui.screens.prompt import PathPrompt

__all__ = ["HelpScreen", "PathPrompt"]
