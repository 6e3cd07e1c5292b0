"""A manifest's keys checked against the schema, and its values read by type, each error naming the key's line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .errors import ExperimentError
from .settings import DEFAULTS, LIMITS, MEMORY_UNITS

ReadCheck = Callable[[Path], object]  # raises ExperimentError for a path that may not be read

# Every key a manifest may hold, by table; anything else is an error, so a typo never passes silently.
SCHEMA: dict[str, set[str]] = {
    "": {"name", "title", "summary", "expected", "memory", "pretraining", "finetuning", "analysis", "random"},
    "pretraining": {"corpus", "vectors", "window", "stopwords", "min_count", "max_vocab", "weighting", "dim",
                    "mlm_tokens"},
    "finetuning": {"train", "test", "transfer", "text_column", "label_column", "epochs", "learning_rate", "l2",
                   "masked_lm"},
    "analysis": {"probes", "top_n", "groups", "pairs", "lexicon", "groups_picked_by"},
    "random": {"seed", "seeds"},
}
REQUIRED = {"finetuning": ("train", "test")}


def line_of(source: str, key: str, table: str) -> int | None:
    """The line where `key` is set inside `[table]`, for messages (tomllib gives no positions)."""
    current = ""
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1)
            if current == (f"{table}.{key}" if table else key):
                return number
            continue
        if current == table and re.match(rf"^{re.escape(key)}\s*=", line):
            return number
    return None


class ManifestReader:
    """Typed access to one manifest, raising ExperimentError with the key's line."""

    def __init__(self, manifest: Path, source: str, data: dict, may_read: ReadCheck):
        self.manifest, self.source, self.data, self.may_read = manifest, source, data, may_read

    def fail(self, table: str, key: str, problem: str) -> ExperimentError:
        name = f"[{table}] {key}" if table else key
        return ExperimentError(self.manifest, f"{name}: {problem}", line_of(self.source, key, table))

    def check_keys(self) -> None:
        for table, allowed in SCHEMA.items():
            values = self.data if not table else self.data.get(table, {})
            if not isinstance(values, dict):
                raise self.fail("", table, "must be a table, like [" + table + "]")
            for key in values:
                if key not in allowed:
                    where = f"in [{table}]" if table else "at the top level"
                    raise self.fail(table, key, f"unknown key {where}; known keys: {', '.join(sorted(allowed))}")
            for key in REQUIRED.get(table, ()):
                if key not in values:
                    raise ExperimentError(self.manifest, f"[{table}] needs the key {key}")

    def get(self, table: str, key: str, default=None):
        values = self.data.get(table, {}) if table else self.data
        return values.get(key, default)

    def string(self, table: str, key: str, default: str | None = None) -> str | None:
        value = self.get(table, key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(table, key, "must be a string")
        return value

    def number(self, table: str, key: str) -> int | float:
        """The value of a number setting (DEFAULTS' when left out), checked against its range in LIMITS."""
        try:
            return LIMITS[key].check(self.get(table, key, DEFAULTS[key]))
        except ValueError as exc:
            raise self.fail(table, key, str(exc)) from None

    def words(self, table: str, key: str, value) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise self.fail(table, key, "must be a list of strings")
        return tuple(w.strip().lower() for w in value if w.strip())

    def path(self, table: str, key: str) -> Path | None:
        value = self.string(table, key)
        if value is None:
            return None
        path = self.manifest.parent / value
        self.may_read(path)
        return path


def parse_memory(text: str) -> int:
    """Bytes from a size such as 2G, 512M or 1.5GB (binary units); ValueError saying what is allowed."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT])i?B?\s*", str(text), re.IGNORECASE)
    if not found:
        raise ValueError(f"must be a size such as 2G or 512M (units {', '.join(MEMORY_UNITS)}), got {text!r}")
    size = int(float(found.group(1)) * MEMORY_UNITS[found.group(2).upper()])
    if size <= 0:
        raise ValueError(f"must be a size such as 2G or 512M, more than zero, got {text!r}")
    return size
