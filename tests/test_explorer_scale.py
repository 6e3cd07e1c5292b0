"""The explorer on real corpora: weighting, vectors pretrained once, progress and cancel (issue #5)."""

import asyncio
import shutil

from benchmarks.synthetic import zipf_lines
from tests.explorer_helpers import notifications, screen_text, settled
from tui.app import PretrainExplorer
from tui.cli import main


async def open_in(app, pilot, location) -> None:
    app.command_open()
    await pilot.pause()
    app.screen.query_one("#prompt-input").value = str(location)
    await pilot.press("enter")


async def test_weighting_key_recomputes_with_ppmi_and_svd():
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
        assert app.result.corpus.weighting == "counts"


async def test_open_vectors_pretrained_once(tmp_path, capsys):
    vectors = tmp_path / "held.npz"
    assert main(["pretrain", "corpora/held-out/general.txt", "-o", str(vectors),
                 "--stopwords", "corpora/held-out/stopwords.txt"]) == 0
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


async def test_cancel_counting_a_large_corpus(tmp_path, kata_copy):
    with open(kata_copy / "general.txt", "a", encoding="utf-8") as out:
        for line in zipf_lines(3_000_000, 20_000):
            out.write(line + "\n")
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        kept = app.result
        await open_in(app, pilot, kata_copy)
        for _ in range(400):  # until the counting has reported some progress
            await pilot.pause(0.02)
            if "tokens/s" in screen_text(app):
                break
        line = next(line for line in screen_text(app).splitlines() if "tokens/s" in line)
        assert "Counting:" in line and "(esc cancels)" in line
        await pilot.press("escape")
        await settled(app, pilot)
        assert app.result is kept
        assert "Job cancelled" in notifications(app)
        assert "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 86" in screen_text(app)
