"""The explorer's screens: help, a path prompt, and the live views, one module each."""

from tui.screens.help import HelpScreen
from tui.screens.prompt import PathPrompt

__all__ = ["HelpScreen", "PathPrompt"]
