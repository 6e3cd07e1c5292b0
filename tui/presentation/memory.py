"""A run's estimated peak memory (engine.run.memory's MemoryEstimate) in words, for the explorer's
status line and the text report."""

from __future__ import annotations

from ...engine.run.memory import MemoryEstimate

UNITS = (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10))


def size(count: int) -> str:
    """Bytes as people read them: 1.2 GB, 340 MB (binary units, as --memory takes them)."""
    for unit, scale in UNITS:
        if count >= scale:
            value = count / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{count:,} bytes"


def memory_phrase(estimate: MemoryEstimate | None) -> str:
    """For the status line: `RAM ~1.2 GB` (short: the line must fit 80 columns); empty without an estimate."""
    return "" if estimate is None else f"RAM ~{size(estimate.total)}"


def memory_sentence(estimate: MemoryEstimate) -> str:
    """For the report: the estimate the run made before it allocated, and its parts."""
    parts = ", ".join(f"{name} {size(count)}" for name, count in estimate.parts() if count or name != "word2vec")
    held = (", word2vec's model" if estimate.word2vec else "") + (
        ", the masked language model" if estimate.masked_lm_part else "")
    return (f"Memory: about {size(estimate.total)} at the peak, estimated before the run allocated it "
            f"({parts}; the peak is the program{held} and the larger of pretraining and the rest)")
