"""The shipped real experiments' files are what their prepare.py makes (issue 25).

Cheap always: every file SOURCES lists as written is checked against its recorded sha256, and
packages' prepare.py is run on a small fixture in its input format (Debian's Packages and
Translation-en, xz-compressed), whose output is known by construction. The full reproductions need
the downloads SOURCES names (packages: Debian's two indices, 15 MB; reviews: three Debian packages and
a PyPI source, 9 MB): each runs where PRETRAIN_EXPLORER_PACKAGES_DOWNLOADS or
PRETRAIN_EXPLORER_REVIEWS_DOWNLOADS names a folder holding them (.ci/run fetches them with
.ci/downloads.py), and is skipped, saying so, elsewhere.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib.util
import io
import lzma
import os
import re
from pathlib import Path

import pytest
from pretrain_explorer.engine.experiment import builtin_experiment_path

HASH_LINE = re.compile(r"^\s+([0-9a-f]{64})\s+(\S+)", re.MULTILINE)


def folder(name: str) -> Path:
    return builtin_experiment_path(name).parent


def written_hashes(name: str) -> dict[str, str]:
    """The files SOURCES says prepare.py writes (those present here), by name, with their sha256."""
    listed = {file: digest for digest, file in HASH_LINE.findall((folder(name) / "SOURCES").read_text())}
    return {file: digest for file, digest in listed.items() if (folder(name) / file).exists()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare_module(name: str = "packages"):
    spec = importlib.util.spec_from_file_location(f"{name}_prepare", folder(name) / "prepare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["packages", "reviews"])
def test_the_shipped_files_are_those_sources_records(name):
    hashes = written_hashes(name)
    assert {"general.txt.gz", "train.csv", "test.csv", "transfer.csv"} <= set(hashes)
    for file, digest in hashes.items():
        assert sha256(folder(name) / file) == digest, f"{name}/{file} differs from the sha256 SOURCES records"


def stanza(**fields) -> str:
    lines = []
    for key, value in fields.items():
        first, *rest = value.split("\n")
        lines.append(f"{key.replace('_', '-')}: {first}")
        lines += [f" {line}" for line in rest]
    return "\n".join(lines)


# Three sections, two usable packages each (one labeled per split below), and around them: a package
# built from a labeled one's source (its sibling), a "(data files)" package, another section's
# package, and a paragraph two packages share.
PACKAGES = [  # (package, source, section, synopsis, long description)
    ("chess", None, "games", "Chess board game", "Chess is a board game. Play it.\n .\n Shared paragraph."),
    ("chess-data", "chess", "games", "Chess board game (data files)", "Pieces and boards."),
    ("tetris", None, "games", "Falling block puzzle game", "Tetris is a puzzle! Blocks fall."),
    ("gromacs", None, "science", "Molecular dynamics simulator", "GROMACS simulates molecules. Fast."),
    ("astro", None, "science", "Astronomy toolkit", "Astro computes orbits of planets."),
    ("audacity", None, "sound", "Audio editor", "Audacity edits audio? Yes it does."),
    ("mixer", None, "sound", "Sound mixer for ALSA", "Mixer mixes sound channels."),
    ("editor", None, "editors", "Text editor", "An editor of text.\n .\n Shared paragraph."),
    ("gromacs-doc", "gromacs", "doc", "Manual of the simulator", "The manual of GROMACS."),
]


@pytest.fixture
def downloads(tmp_path):
    md5 = {p[0]: hashlib.md5(p[0].encode()).hexdigest() for p in PACKAGES}
    packages = "\n\n".join(stanza(Package=p, **({"Source": s} if s else {}), Section=section,
                                  Description_md5=md5[p]) for p, s, section, _, _ in PACKAGES) + "\n"
    translations = "\n\n".join(stanza(Package=p, Description_md5=md5[p], Description_en=f"{short}\n{long}")
                               for p, _, _, short, long in PACKAGES) + "\n"
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "Packages.xz").write_bytes(lzma.compress(packages.encode()))
    (folder / "Translation-en.xz").write_bytes(lzma.compress(translations.encode()))
    return folder


def prepared(downloads: Path, out: Path, monkeypatch):
    prepare = prepare_module()
    monkeypatch.setattr(prepare, "DOWNLOADS", {n: sha256(downloads / n) for n in prepare.DOWNLOADS})
    monkeypatch.setattr(prepare, "SIZES", {"train": 3, "test": 3, "transfer": 0})  # one a section, twice
    out.mkdir()
    prepare.main(downloads, out)
    rows = {split: list(csv.DictReader(io.StringIO((out / f"{split}.csv").read_text())))
            for split in ("train", "test", "transfer")}
    return rows, gzip.decompress((out / "general.txt.gz").read_bytes()).decode().splitlines()


def test_prepare_on_a_fixture_makes_the_known_files(downloads, tmp_path, monkeypatch):
    rows, corpus = prepared(downloads, tmp_path / "a", monkeypatch)
    labeled = [r for split in ("train", "test") for r in rows[split]]
    # Each usable package of the three sections labeled once, by its section, with its synopsis; the
    # "(data files)" package and the other sections never.
    assert sorted((r["package"], r["label"], r["text"]) for r in labeled) == sorted(
        (p, section, short) for p, s, section, short, _ in PACKAGES
        if section in ("games", "science", "sound") and "(data files)" not in short)
    assert all(len({r["label"] for r in rows[split]}) == 3 for split in ("train", "test")) and rows["transfer"] == []
    # The corpus: the other packages' synopses and paragraphs, a shared paragraph once, nothing of a
    # labeled package's source (chess-data, gromacs-doc are siblings of labeled packages).
    assert corpus == ["Text editor", "An editor of text.", "Shared paragraph."]
    # Byte for byte the same on a second run.
    prepared(downloads, tmp_path / "b", monkeypatch)
    for file in ("general.txt.gz", "train.csv", "test.csv", "transfer.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_prepare_takes_the_first_sentence_for_transfer(downloads, tmp_path, monkeypatch):
    prepare = prepare_module()
    monkeypatch.setattr(prepare, "DOWNLOADS", {n: sha256(downloads / n) for n in prepare.DOWNLOADS})
    monkeypatch.setattr(prepare, "SIZES", {"train": 3, "test": 0, "transfer": 3})
    (tmp_path / "out").mkdir()
    prepare.main(downloads, tmp_path / "out")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "transfer.csv").read_text())))
    firsts = {"chess": "Chess is a board game.", "tetris": "Tetris is a puzzle!", "gromacs": "GROMACS simulates molecules.",
              "astro": "Astro computes orbits of planets.", "audacity": "Audacity edits audio?",
              "mixer": "Mixer mixes sound channels."}
    assert len(rows) == 3 and all(r["text"] == firsts[r["package"]] for r in rows)


def test_prepare_refuses_a_download_that_is_not_the_recorded_one(downloads, tmp_path):
    prepare = prepare_module()  # the real hashes: the fixture is not Debian's file
    with pytest.raises(SystemExit, match="sha256 differs"):
        prepare.main(downloads, tmp_path)


@pytest.mark.parametrize("name", ["packages", "reviews"])
def test_prepare_rebuilds_the_shipped_files_from_the_downloads(name, tmp_path):
    downloads = os.environ.get(f"PRETRAIN_EXPLORER_{name.upper()}_DOWNLOADS")
    if not downloads:
        pytest.skip(f"the full rebuild needs the downloads corpora/{name}/SOURCES names: set "
                    f"PRETRAIN_EXPLORER_{name.upper()}_DOWNLOADS to their folder (.ci/downloads.py fetches them)")
    prepare_module(name).main(Path(downloads), tmp_path)
    for file, digest in written_hashes(name).items():
        assert sha256(tmp_path / file) == digest, f"{file}: the rebuild differs from the shipped file"
