"""The explorer on real corpora: weighting, vectors pretrained once, progress and cancel (issue #5)."""

import threading

import engine.corpus
from helpers import HELD_OUT, notifications, screen_text, settled, until
from tui.app import PretrainExplorer
from tui.cli import main


async def open_in(app, pilot, location) -> None:
    app.command_open()
    await pilot.pause()
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
    count_block = engine.corpus.count_block

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
        monkeypatch.setattr(engine.corpus, "count_block", second_block_waits_for_escape)
        await open_in(app, pilot, kata_copy)
        await until(pilot, lambda: first_block.is_set() and "tokens/s" in screen_text(app))
        line = next(line for line in screen_text(app).splitlines() if "tokens/s" in line)
        assert "Counting:" in line and "(esc cancels)" in line
        await pilot.press("escape")
        escape_pressed.set()
        # A cancelled worker stops counting as running at once; the message comes when its thread ends.
        await until(pilot, lambda: "Job cancelled" in notifications(app))
        assert app.result is kept
        assert "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 86" in screen_text(app)
