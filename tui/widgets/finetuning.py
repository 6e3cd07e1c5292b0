"""Fine-tuning pane: the training loss of each trained approach, and what fine-tuning moved."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...engine.run.results import ExperimentResult
from ...engine.settings import MASKED_LM_FINE_TUNING
from ..presentation.approaches import on_encoder
from .chart import Chart


class FineTuningPane(Vertical):
    DEFAULT_CSS = """
    FineTuningPane { height: auto; border-title-align: left; }
    FineTuningPane Static { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="training-summary")
        yield Chart("loss")
        yield Static(id="drift")

    def on_mount(self) -> None:
        self.border_title = "Fine-tuning"

    def show(self, result: ExperimentResult) -> None:
        e = result.experiment
        summary = Text(
            f"{e.training.epochs} epochs of gradient descent (learning rate {e.training.learning_rate:g}, "
            f"L2 {e.training.l2:g}) on mean-pooled word vectors, a softmax layer and cross-entropy:\n"
        )
        for a in result.approaches.values():
            if a.losses and not on_encoder(a.name):
                summary.append(f"  {a.name:<18} loss {a.losses[0]:.3f} → {a.losses[-1]:.4f}\n")
        if any(on_encoder(name) for name in result.approaches):
            t = MASKED_LM_FINE_TUNING
            summary.append(f"{t.epochs} epochs of Adam in batches of {t.batch} (end to end at most {t.max_steps} "
                           "steps) on the masked language model's mean-pooled hidden states:\n")
            for a in result.approaches.values():
                if a.losses and on_encoder(a.name):
                    summary.append(f"  {a.name:<18} loss {a.losses[0]:.3f} → {a.losses[-1]:.4f}\n")
        self.query_one("#training-summary", Static).update(summary)
        self.query_one(Chart).result = result

        moved = Table(title="Moved most", title_justify="left", title_style="bold",
                      box=None, padding=(0, 1), show_header=False)
        moved.add_column("word")
        moved.add_column("distance", justify="right")
        for word, distance in result.drift.moved:
            moved.add_row(Text(word), f"{distance:.3f}")
        probes = Table(title="Neighbours before → after fine-tuning", title_justify="left", title_style="bold",
                       box=None, padding=(0, 1), expand=True)
        probes.add_column("word", no_wrap=True)
        probes.add_column("pretrained", ratio=1)
        probes.add_column("fine-tuned", ratio=1)
        for probe in e.probes:
            before = ", ".join(w for w, _ in result.drift.neighbors_before[probe]) or "not in the vocabulary"
            after_words = [w for w, _ in result.drift.neighbors_after[probe]]
            before_words = {w for w, _ in result.drift.neighbors_before[probe]}
            after = Text(", ").join(Text(w, style="" if w in before_words else "bold") for w in after_words)
            probes.add_row(Text(probe), Text(before), after or Text("not in the vocabulary"))
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(moved, probes)
        self.query_one("#drift", Static).update(grid)
