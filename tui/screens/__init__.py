"""The explorer's screens: help, a path prompt, and the live views, one module each."""

from .help import HelpScreen
from .prompt import PathPrompt

__all__ = ["HelpScreen", "PathPrompt"]
