"""The explorer as a user drives it: keys in, real numbers on screen."""

import os
import re
import stat
import threading

import pytest

from helpers import notifications, screen_text, settled, until
from pretrain_explorer.engine.progress import ProgressEvent
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.presentation.printed_report import render_json, render_text
from pretrain_explorer.tui.screens import HelpScreen
from pretrain_explorer.tui.screens.open import OpenExperiment
from pretrain_explorer.tui.widgets.status import StatusLine

# These look at what the explorer shows of the kata: its results are found stored (conftest.py).
pytestmark = pytest.mark.warm_kata


def bar(text: str, label: str, value: str) -> bool:
    """A bar of the chart on screen: its label, then its blocks, then its value at its end."""
    return re.search(rf"^ *{re.escape(label)} +[█▏▎▍▌▋▊▉]+ {re.escape(value)}( |$)", text, re.M) is not None


async def test_walks_the_five_stages_with_the_lessons_numbers():
    app = PretrainExplorer()
    async with app.run_test(size=(140, 160)) as pilot:  # tall enough to show each stage whole
        await settled(app, pilot)
        text = screen_text(app)
        assert "[1 Pretraining]" in text
        assert "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 86" in text
        assert "24 lines · 200 tokens · 137 kept" in text and "vocabulary 86" in text and "dim 86" in text
        assert "the experiment produced excellent results in the laboratory" in text
        assert "pretrained · “excellent”" in text and "random · “excellent”" in text
        for word, score in [("flowers", "0.542"), ("warm", "0.485"), ("company", "0.420"), ("garden", "0.420")]:
            assert any(word in line and score in line for line in text.splitlines()), word

        await pilot.press("n")
        text = screen_text(app)
        assert "[2 Fine-tuning data]" in text
        assert "Only 8 labeled sentences" in text and "negative 4, positive 4" in text
        assert "horrible acting with dreadful dialogue throughout" in text
        assert "fine_tuned         loss 0.693 → 0.0025" in text and "linear_probe       loss 0.693 → 0.0323" in text
        assert "Training loss (cross-entropy on the labeled sentences)" in text
        line = next(line for line in text.splitlines() if "flowers, warm, company, garden" in line)
        assert "remarkable, wonderful, outstanding, great" in line  # excellent's neighbours after fine-tuning

        await pilot.press("n")
        text = screen_text(app)
        assert "[3 Comparison]" in text
        assert "Test accuracy (%)" in text and "mean ± std over 20 seeds" in text
        assert bar(text, "pretrained", "100%") and bar(text, "random", "99% ± 3.6") and bar(text, "from_scratch", "100%")
        assert "random: 6/6 right · 99% ± 3.6 over 20 seeds" in text
        # the margin's three questions, none answered yes on the kata's 6 test sentences
        assert "1. Do pretrained features beat random ones under the same classifier (nearest centroid)? No" in text
        assert "Learning curve: test accuracy (%), mean over 20 draws" in text
        assert "12 of their 25 words (48%) also occur in the labeled sentences" in text
        assert "pretrained: 6/6 right · 100%" in text and "random_fine_tuned: 6/6 right · 100% ± 0 over 20 seeds" in text
        assert "pos +0.856" in text and "neg +0.150" in text  # the lesson's first test sentence

        await pilot.press("right")
        text = screen_text(app)
        assert "[4 Transfer]" in text and "Transfer accuracy (%)" in text
        assert bar(text, "pretrained", "100%") and bar(text, "random", "100% ± 0")
        assert "neg +0.876" in text  # terrible product with awful packaging and poor design

        await pilot.press("n")
        text = screen_text(app)
        assert "[5 What pretraining captures]" in text
        assert bar(text, "positive within", "0.136") and bar(text, "negative within", "0.251")
        assert bar(text, "positive vs negative", "0.051")
        randomly = app.result.groups  # beside each figure, the same over random vectors
        assert (f"positive within 0.136 (random {randomly.groups[0].random_within:.3f}): excellent, remarkable, "
                "outstanding, wonderful, superb, great") in text
        assert f"positive vs negative between 0.051 (random {randomly.pairs[0].random_between:.3f})" in text

        await pilot.press("n")  # past the last stage stays there
        assert "[5 What pretraining captures]" in screen_text(app)
        await pilot.press("p", "left", "2")
        assert "[2 Fine-tuning data]" in screen_text(app)


async def test_every_stage_fits_an_80x24_terminal():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        for stage, marker, must_show in [
            ("1", "[1 Pretrain]", ["vocabulary 86", "flowers", "0.542"]),
            ("2", "[2 Labels]", ["a terrible waste of time with horrible characters"]),
            ("3", "[3 Compare]", ["Test accuracy (%)", ("random", "99% ± 3.6"), ("pretrained", "100%")]),
            ("4", "[4 Transfer]", ["Transfer accuracy (%)", ("pretrained", "100%")]),
            ("5", "[5 Captures]", ["Average cosine similarity", ("negative within", "0.251")]),
        ]:
            await pilot.press(stage)
            if stage in "345":  # the chart comes after the stage's note
                app.query_one(f"#stage-{stage}").scroll_to(y=app.query_one(f"#stage-{stage} .note").outer_size.height,
                                                           animate=False)
                await pilot.pause()
            text = screen_text(app)
            assert marker in text
            for fragment in must_show:
                assert (bar(text, *fragment) if isinstance(fragment, tuple) else fragment in text), (stage, fragment)
            assert "q Quit" in text.splitlines()[-1]


async def test_query_a_word_and_an_unknown_one():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("3", "slash")  # / jumps back to stage 1 and focuses the input
        assert "[1 Pretrain]" in screen_text(app)
        await pilot.press(*["backspace"] * 12, *"terrible", "enter")
        await settled(app, pilot)
        text = screen_text(app)
        assert "pretrained · “terrible”" in text
        assert any("management" in line and "0.567" in line for line in text.splitlines())

        await pilot.press(*["backspace"] * 12, *"excelent", "enter")
        await settled(app, pilot)
        text = screen_text(app)
        assert "“excelent” is not in the vocabulary (86 words). Closest spellings in it:" in text
        assert "excellent, experiment, event." in text
        assert "pretrained · “excelent”" not in text and "“terrible”" not in text  # the probes again: excellent first
        await pilot.press("escape")  # leaves the input; keys walk the stages again
        await pilot.press("n")
        assert "[2 Labels]" in screen_text(app)


async def test_live_controls_rerun_the_engine():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        before = app.result.neighbors["excellent"]
        await pilot.press("plus")
        await settled(app, pilot)
        assert app.result.corpus.window == 4
        assert "window 4" in screen_text(app) and "kata · window 4" in screen_text(app)
        assert app.result.neighbors["excellent"] != before
        assert app.result.corpus.vocabulary == 86

        await pilot.press("s")
        await settled(app, pilot)
        grown = app.result.corpus.vocabulary
        assert grown > 86
        assert f"stopwords off · seed 42 · top 4 · vocab {grown}" in screen_text(app)

        await pilot.press("s", "minus", "r", "right_square_bracket")
        await settled(app, pilot)
        assert "window 3 · stopwords on · seed 43 · top 5 · vocab 86" in screen_text(app)
        assert len(app.result.neighbors["excellent"]) == 5
        # The pretrained features do not depend on the seed; the random ones do.
        assert app.result.neighbors["excellent"][:4] == before


async def test_cancel_a_running_job_keeps_the_previous_results(monkeypatch):
    release = threading.Event()
    app = PretrainExplorer()
    staged_run = app.session.run

    def slow_run(experiment, should_stop, on_progress):
        on_progress(ProgressEvent("counting", 0.25, "Counting co-occurrences"))
        while not release.wait(0.01):
            if should_stop():
                from pretrain_explorer.engine import RunCancelled

                raise RunCancelled()
        yield from staged_run(experiment, should_stop, on_progress)

    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        kept = app.result
        monkeypatch.setattr(app.session, "run", slow_run)
        await pilot.press("plus")
        await until(pilot, lambda: "Counting co-occurrences" in screen_text(app))
        status = app.query_one(StatusLine)
        assert status.has_class("-busy")
        job = next(line for line in screen_text(app).splitlines() if "Counting co-occurrences" in line)
        assert job.rstrip().endswith("% (esc cancels)")  # the hint after the bar, never cut by a long label
        await pilot.press("n")  # the UI still answers keys while the job runs
        assert "[2 Labels]" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: "Job cancelled" in notifications(app))
        assert app.result is kept
        assert not status.has_class("-busy")
        assert "kata · window 3" in screen_text(app)
        assert "Job cancelled: Cancelled: the previous results stay on screen." in notifications(app)
        release.set()


async def test_opening_a_bad_experiment_keeps_the_app_and_its_results(tmp_path, kata_copy):
    (kata_copy / "general.txt").write_text("")
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)
        kept = app.result
        app.command_open()
        await pilot.pause()
        assert isinstance(app.screen, OpenExperiment)
        app.screen.query_one("#prompt-input").focus()
        app.screen.query_one("#prompt-input").value = str(kata_copy)
        await pilot.press("enter")
        await settled(app, pilot)
        assert app.result is kept and app.is_running
        assert "Could not run the experiment: " in notifications(app)
        assert "general.txt: the corpus is empty" in notifications(app)

        (kata_copy / "general.txt").write_text("great wonderful film\nawful terrible film\n")
        app.command_open()
        await pilot.pause()
        app.screen.query_one("#prompt-input").focus()
        app.screen.query_one("#prompt-input").value = str(kata_copy / "experiment.toml")
        await pilot.press("enter")
        await settled(app, pilot)
        assert app.result is not kept
        assert "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 5" in screen_text(app)


async def test_export_writes_the_report_exactly_and_never_overwrites(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        for fmt, name, render in [("text", "r.txt", render_text), ("json", "r.json", render_json)]:
            app.command_export(fmt)
            await pilot.pause()
            app.screen.query_one("#prompt-input").value = str(tmp_path / name)
            await pilot.press("enter")
            await pilot.pause()
            assert (tmp_path / name).read_text() == render(app.result) + "\n"
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask
        (tmp_path / "keep.txt").write_text("my notes")
        app.export_report(app.result, "text", tmp_path / "keep.txt")
        await pilot.pause()
        assert (tmp_path / "keep.txt").read_text() == "my notes"
        assert f"{tmp_path / 'keep.txt'}: exists; not replaced (choose another name)" in notifications(app)


async def test_screenshot_lands_in_the_current_folder_or_says_why_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        app.command_screenshot()
        await pilot.pause()
        [svg] = tmp_path.glob("pretrain-explorer-*.svg")
        assert "<svg" in svg.read_text()
        assert "Screenshot saved to " + str(svg) in notifications(app)
        (tmp_path / "gone").mkdir()
        monkeypatch.chdir(tmp_path / "gone")
        (tmp_path / "gone").rmdir()  # an unwritable folder, even for root
        app.command_screenshot()
        await pilot.pause()
        assert app.is_running and sorted(p.name for p in tmp_path.iterdir()) == [svg.name]
        assert "Screenshot not saved: " in notifications(app)
        assert "the current folder no longer exists" in notifications(app)


async def test_help_lists_every_key_and_closes():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for line in ["n right", "Next stage", "Stage 3: Comparison", "/", "Widen the co-occurrence window", "Stopwords on or off"]:
            assert line in text, line
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_palette_offers_the_explorer_commands():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ["Open experiment", "Export report as text", "Export report as JSON", "Save screenshot"]:
            assert title in titles
        assert "Keys" not in titles and "Screenshot" not in titles  # Textual's own, beside Help and Save screenshot
        assert len(titles) == len(set(titles))


async def test_resizing_never_crashes():
    """On each layout (stage 1's panes side by side, stage 3's accuracy charts and curve, stage 5's
    groups; 2 and 4 lay out as 3 does), the terminal made smaller than 80x24, far larger, and 80x24 again."""
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        for stage in "135":
            await pilot.press(stage)
            for size in [(60, 20), (200, 50), (80, 24)]:
                await pilot.resize_terminal(*size)
                await pilot.pause()
                assert f"[{stage}" in screen_text(app), (stage, size)


async def test_the_objects_of_a_started_explorer_are_frozen_once_the_first_run_is_on_screen():
    """Every full collection walked the explorer's 90,000 modules, widgets and styles (one key in
    ten waited about 100 ms for it); frozen once, a collection walks only what came after, and later
    runs' objects stay collectable."""
    import gc

    before = gc.get_freeze_count()
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        frozen = gc.get_freeze_count()
        assert frozen > before
        await pilot.press("r")
        await settled(app, pilot)
        assert app.result.experiment.seed == 43 and app.result.complete
        assert gc.get_freeze_count() <= frozen  # not frozen again (frozen objects are still freed)


def test_fitted_settings_leave_out_the_given_parts_in_order_and_only_while_too_wide():
    from pretrain_explorer.tui.presentation.widths import fit_parts

    parts = ["kata", "window 3", "stopwords on", "seed 42", "top 4", "vocab 86", "masked LM", "RAM ~139 MB"]
    whole = " · ".join(parts)
    assert fit_parts(parts, (4, 2), len(whole)) == whole
    assert fit_parts(parts, (4, 2), len(whole) - 1) == whole.replace(" · top 4", "")
    assert fit_parts(parts, (4, 2), 40) == "kata · window 3 · seed 42 · vocab 86 · masked LM · RAM ~139 MB"


async def test_at_80_columns_the_header_keeps_the_masked_lm_and_the_memory():
    import dataclasses

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        shown = dataclasses.replace(app.result, experiment=dataclasses.replace(app.result.experiment, masked_lm=True))
        app._show_settings(shown)
        await pilot.pause()
        header = screen_text(app).splitlines()[1]
        assert "masked LM · RAM ~" in header and "top 4" not in header and "…" not in header
        await pilot.resize_terminal(160, 24)
        await pilot.pause()
        assert "top 4 · vocab 86 · masked LM · RAM ~" in screen_text(app).splitlines()[1]
