"""Work done once per pretraining: the corpus's files are listed once (their sizes read once, in
CorpusFiles) and the vocabulary cut is chosen once, however many stages read them."""

import dataclasses
import sys

import pytest

from pretrain_explorer.engine import Session, load_experiment
from pretrain_explorer.engine.pretraining import corpus, vocabulary
from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings
from pretrain_explorer.engine.storage.disk_cache import DiskCache


def calls_to(monkeypatch, module, name: str) -> list:
    """Every call of module.name from now on, wherever the package imported it under that name."""
    original, calls = getattr(module, name), []

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    for loaded in list(sys.modules.values()):
        if getattr(loaded, "__name__", "").startswith("pretrain_explorer") and getattr(loaded, name, None) is original:
            monkeypatch.setattr(loaded, name, counted)
    return calls


@pytest.mark.parametrize("min_count", [1, 2])  # every word kept (one pass), and a cut (two passes)
def test_one_pretraining_lists_the_corpus_once_and_cuts_the_vocabulary_once(tmp_path, monkeypatch, min_count):
    kata = dataclasses.replace(load_experiment(), vocabulary=VocabularySettings(min_count=min_count))
    listed = calls_to(monkeypatch, corpus, "corpus_files")
    cuts = calls_to(monkeypatch, vocabulary, "vocabulary_keep")
    # A disk cache that wants even the kata: its size test and content hash read the corpus's files too.
    session = Session(disk=DiskCache(tmp_path, min_corpus_bytes=0))
    session.pretrained(kata, lambda: False, lambda event: None)
    assert session.stats["counts"] == 1
    assert len(listed) == 1 and len(cuts) == 1

    listed.clear()
    cuts.clear()
    Session(disk=DiskCache(tmp_path, min_corpus_bytes=0)).pretrained(kata, lambda: False, lambda event: None)
    assert len(listed) == 1 and len(cuts) == 1  # found on disk: still listed once, for the keys


def test_the_corpus_description_says_what_the_key_and_the_counting_read(tmp_path):
    (tmp_path / "a.txt").write_text("one two\n")
    (tmp_path / "b.txt.gz").write_bytes(b"")
    (tmp_path / "skip.csv").write_text("x\n")
    files = corpus.CorpusFiles.of(tmp_path)
    assert [f.name for f in files.files] == ["a.txt", "b.txt.gz"]
    assert files.sizes == (8, 0) and files.stored_size == 8
    assert corpus.CorpusFiles.of(files) is files
    assert files.identity == corpus.CorpusFiles.of(tmp_path).identity
    (tmp_path / "a.txt").write_text("one two three\n")
    assert files.identity != corpus.CorpusFiles.of(tmp_path).identity  # a changed file is another corpus
