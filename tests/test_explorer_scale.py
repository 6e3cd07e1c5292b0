"""The explorer on real corpora: weighting, vectors pretrained once, progress and cancel."""

import re
import threading

from pretrain_explorer.engine.pretraining import counting
from pretrain_explorer.engine import load_experiment
from helpers import HELD_OUT, notifications, screen_text, settled, until
from pretrain_explorer.engine.progress import ProgressEvent
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.cli import main


async def open_in(app, pilot, location) -> None:
    app.command_open()
    await pilot.pause()
    app.screen.query_one("#prompt-input").focus()  # below the shipped experiments
    app.screen.query_one("#prompt-input").value = str(location)
    await pilot.press("enter")


async def test_weighting_key_cycles_counts_ppmi_svd_sgns():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("w")
        await settled(app, pilot)
        assert "vocab 86 · ppmi" in screen_text(app) and app.result.corpus.weighting == "ppmi"
        assert app.result.neighbors["excellent"][0][0] == "flowers"
        await pilot.press("w")
        await settled(app, pilot)
        assert app.result.corpus.weighting == "svd" and app.result.pretrained.dimension == 86
        await pilot.press("w")
        await settled(app, pilot)
        # sgns predicts instead of counting: the same words, vectors of its own dimension.
        assert "vocab 86 · sgns" in screen_text(app) and app.result.pretrained.dimension == 300
        assert "trained by skip-gram (word2vec)" in screen_text(app)
        assert len(app.result.neighbors["excellent"]) == 4
        await pilot.press("w")
        await settled(app, pilot)
        assert app.result.corpus.weighting == "counts"


async def test_open_vectors_pretrained_once(tmp_path, capsys):
    vectors = tmp_path / "held.npz"
    assert main(["pretrain", str(HELD_OUT / "general.txt"), "-o", str(vectors),
                 "--stopwords", str(HELD_OUT / "stopwords.txt")]) == 0
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await open_in(app, pilot, vectors)
        await settled(app, pilot)
        text = screen_text(app)
        assert "kata · held.npz · window 3" in text and "vocab 48" in text
        assert "vectors pretrained once, from held.npz: no corpus to show" in text
        assert app.result.experiment.train[0].text == "the movie was excellent and the acting was superb"
        await pilot.press("plus")
        await pilot.pause()
        assert "held.npz was pretrained once with its own window" in notifications(app)
        assert app.result.corpus.window == 3


async def test_cancel_counting_a_large_corpus(kata_copy, monkeypatch):
    # About 5 MB: counted in this process (no workers below 8 MB), in three blocks of 2 MB.
    text = (kata_copy / "general.txt").read_text()
    with open(kata_copy / "general.txt", "a", encoding="utf-8") as out:
        out.write(text * (5_000_000 // len(text)))
    first_block, escape_pressed = threading.Event(), threading.Event()
    count_block = counting.count_block

    def second_block_waits_for_escape(*args):
        if first_block.is_set():
            escape_pressed.wait(60)
        counts = count_block(*args)
        first_block.set()
        return counts

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        kept = app.result
        monkeypatch.setattr(counting, "count_block", second_block_waits_for_escape)
        await open_in(app, pilot, kata_copy)
        await until(pilot, lambda: first_block.is_set() and " tokens" in screen_text(app))
        line = next(line for line in screen_text(app).splitlines() if " tokens" in line)
        assert "Counting:" in line and "(esc cancels)" in line
        await pilot.press("escape")
        escape_pressed.set()
        # A cancelled worker stops counting as running at once; the message comes when its thread ends.
        await until(pilot, lambda: "Job cancelled" in notifications(app))
        assert app.result is kept
        assert "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 86" in screen_text(app)


async def test_counts_and_ppmi_on_a_large_vocabulary_keep_the_most_frequent_words(tmp_path, kata_copy):
    """counts and ppmi give each word a dimension: past 5,000 words the explorer caps them (and says
    so) instead of refusing, and svd and sgns get every word back."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["q" + a + b + c for a in letters for b in letters for c in letters][:5200]
    (kata_copy / "general.txt").write_text("\n".join(" ".join(words[i:i + 8]) for i in range(0, 5200, 4)) + "\n")
    manifest = kata_copy / "experiment.toml"
    # Few seeds and epochs: the cap is what is tested, not the training.
    text = manifest.read_text().replace("window = 3", 'window = 3\nweighting = "svd"\ndim = 8')
    manifest.write_text(text.replace("seed = 42", "seed = 42\nseeds = 2").replace(
        'transfer = "transfer.csv"', 'transfer = "transfer.csv"\nepochs = 5'))
    app = PretrainExplorer(load_experiment(kata_copy))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        assert app.result.corpus.vocabulary == 5200
        # svd (the start) and sgns keep every word; counts caps (ppmi is capped by the same rule).
        for weighting, vocabulary in [("sgns", 5200), ("counts", 5000)]:
            await pilot.press("w")
            if weighting == "counts":  # said at the key, once, as the cap starts
                assert "counts gives each word a dimension of its own: it keeps the 5,000 most frequent" \
                    in notifications(app)
            await until(pilot, lambda: app.result.corpus.weighting == weighting and app.result.complete)
            await settled(app, pilot)
            assert app.result.corpus.vocabulary == vocabulary, weighting
            assert "Could not run" not in notifications(app)


async def test_the_progress_bar_moves_forward_with_the_phases_and_is_full_only_at_the_end(monkeypatch):
    """The values the bar shows through a run (counts, and svd, whose own steps start again from
    0): never back, below the phase's end until that phase's results arrive, full only with the
    last."""
    import dataclasses

    from textual.widgets import ProgressBar

    from pretrain_explorer.tui.widgets.status import StatusLine

    shown: list[tuple[str, float]] = []
    for name in ("show_progress", "phase_done"):
        original = getattr(StatusLine, name)

        def record(self, *args, _original=original, _name=name):
            _original(self, *args)
            shown.append((_name, self.query_one(ProgressBar).progress))

        monkeypatch.setattr(StatusLine, name, record)
    for weighting in ("counts", "svd"):
        shown.clear()
        app = PretrainExplorer(dataclasses.replace(load_experiment(), weighting=weighting))
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(app, pilot)
        values = [v for _, v in shown]
        assert values == sorted(values), weighting
        phase_ends = [v for kind, v in shown if kind == "phase_done"]
        assert len(phase_ends) == 4 and phase_ends == sorted(set(phase_ends)), weighting
        assert phase_ends[-1] == 100 and shown[-1] == ("phase_done", 100)
        assert values.count(100) == 1, weighting
        # Within each phase the bar stays below where the phase's results put it.
        end = iter(phase_ends)
        limit = next(end)
        reports_per_phase = []
        for kind, v in shown:
            if kind == "phase_done":
                limit = next(end, 100)
                continue
            assert v < limit, (weighting, v, limit)
            reports_per_phase.append(v)
        assert len(set(reports_per_phase)) > 4, weighting  # it moves within phases too


async def test_a_jobs_label_never_runs_into_the_settings():
    """At 80 columns a job takes the status line (the settings beside it were cut mid-word and read
    as one phrase with the job's label); at 120 both fit; a long label ends in an ellipsis."""
    from pretrain_explorer.tui.widgets.status import StatusLine

    for size in ((80, 24), (120, 40)):
        app = PretrainExplorer()
        async with app.run_test(size=size) as pilot:
            await settled(app, pilot)
            settings = "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 86"
            status = app.query_one(StatusLine)
            status.new_run()
            status.show_progress(ProgressEvent("curve", 0.5, "Learning curve"))
            await pilot.pause()
            line = screen_text(app).splitlines()[1]
            # The bar fits its place (its own 32 cells were cut to the first half) with its share.
            assert re.search(rf"[━╸╺] +{round(100 * status.run.value)}% \(esc cancels\)$", line.rstrip()), line
            assert "Learning curve" in line
            assert (settings in line) == (size[0] >= 120), line
            if size[0] < 120:
                assert "window" not in line
            status.show_progress(ProgressEvent("counting", 0.5,
                                               "Counting: 1,234,567 tokens, 28,809,247 tokens/s (pass 2 of 2: pairs)"))
            await pilot.pause()
            line = screen_text(app).splitlines()[1]
            assert "…" in line and line.rstrip().endswith("% (esc cancels)") and len(line.rstrip()) <= size[0]
            status.done()
            await pilot.pause()
            assert settings in screen_text(app).splitlines()[1]
