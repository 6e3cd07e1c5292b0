"""How far engine work has got, as it reports it."""

from collections.abc import Callable

Progress = Callable[[str, float], None]  # (what is happening, fraction done)
