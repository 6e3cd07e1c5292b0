"""What the explorer remembers between runs (the theme), in a small JSON file in the user's
config directory: $XDG_CONFIG_HOME/pretrain-explorer/settings.json, else ~/.config/…. Never when
served: a visitor's theme stays with the session (the server user's file is neither read nor written)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..engine.errors import ExperimentError
from ..engine.storage.atomic import write_text_atomically


def preferences_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "pretrain-explorer" / "settings.json"


def load_preferences() -> dict:
    """The saved preferences; none when the file is missing or unreadable (a bad file never stops the app)."""
    try:
        saved = json.loads(preferences_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def save_preferences(changes: dict) -> None:
    path = preferences_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, json.dumps({**load_preferences(), **changes}, indent=2) + "\n", replace=True)
    except (OSError, ExperimentError):
        pass  # remembering the theme is a convenience: a read-only home must not break the explorer
