"""What `pip install .` gives a user: every file, a command that starts from any folder, sane file modes."""

import importlib
import json
import os
import stat
import sys
from importlib import metadata
from pathlib import Path

import pytest

from conftest import CHECKOUT
from helpers import KATA, SCRIPT, run_in_terminal, run_outside
from pretrain_explorer.tui.cli import main

PACKAGES = ("engine", "tui", "corpora")  # folders of the checkout, installed inside pretrain_explorer
ROOT = "pretrain_explorer"


def source_files() -> set[str]:
    """Every file of the three packages in the checkout, as paths inside the installed package."""
    found = set()
    for package in PACKAGES:
        for path in (CHECKOUT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                found.add(f"{ROOT}/{path.relative_to(CHECKOUT).as_posix()}")
    return found


def installed_files() -> list:
    return [f for f in metadata.files("pretrain-explorer") if "__pycache__" not in f.parts]


def test_every_module_and_data_file_is_installed():
    installed = {f.as_posix() for f in installed_files()}
    missing = sorted(source_files() - installed)
    assert not missing, f"missing from the installed package: {', '.join(missing)}"
    for package in PACKAGES:  # and what is imported is what was installed, not the checkout
        module = importlib.import_module(f"{ROOT}.{package}")
        assert CHECKOUT / package not in Path(module.__file__).resolve().parents


def test_the_install_adds_one_top_level_import_package():
    """Nothing of ours can collide with another distribution's `engine` or `tui`: besides its
    .dist-info and the console script, pip puts exactly one folder into site-packages."""
    tops = {f.parts[0] for f in installed_files() if not f.parts[0].startswith("..")}
    dist_info = {t for t in tops if t.endswith(".dist-info")}
    assert len(dist_info) == 1 and tops - dist_info == {ROOT}, sorted(tops)
    assert metadata.distribution("pretrain-explorer").read_text("top_level.txt") in (None, f"{ROOT}\n")


def test_help_and_report_from_outside_the_checkout(tmp_path, reference):
    shown = run_outside([str(SCRIPT), "--help"], tmp_path)
    assert shown.returncode == 0 and "pretrain-explorer report [EXPERIMENT]" in shown.stdout
    run = run_outside([str(SCRIPT), "report", "--json"], tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["vocab_size"] == reference["vocab_size"]
    for probe, expected in reference["neighbors"].items():
        assert report["neighbors"][probe][0][1] == pytest.approx(expected[0][1], abs=1e-9)


@pytest.mark.parametrize("command", [[str(SCRIPT)], [sys.executable, "-m", "pretrain_explorer.tui"]], ids=["script", "python -m pretrain_explorer.tui"])
def test_the_explorer_starts_on_the_kata_from_any_folder(tmp_path, command):
    # Stage 1 drawn: the settings line, the corpus pane with its first line, the neighbours pane.
    wanted = ["vocab 86", "Corpus", "the experiment produced excellent results", "Neighbours", "flowers"]
    text, status = run_in_terminal(command, tmp_path, wanted)
    assert all(w in text for w in wanted), text[-2000:]
    assert "Traceback" not in text and status == 0


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_vectors_get_the_umask_mode(tmp_path, umask_022, capsys):
    out = tmp_path / "v.npz"
    assert main(["pretrain", str(KATA / "general.txt"), "-o", str(out)]) == 0
    assert mode(out) == 0o644
    assert main(["pretrain", str(KATA / "general.txt"), "-o", str(out), "--force"]) == 0
    assert mode(out) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["v.npz"]  # no temporary file left beside it
