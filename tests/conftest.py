import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The engine caches pretraining of large corpora in the user's cache folder: never the real one here.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="pretrain-explorer-tests-")
# and removed when the test process ends: each run of the suite made one per process and left it.
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

REFERENCE = Path(__file__).parent / "reference" / "kata-expected.json"
CHECKOUT = Path(__file__).resolve().parents[1]


def pytest_configure(config) -> None:
    """Refuse to test the source tree: the suite must exercise what `pip install .` installed (an
    editable install would map pretrain_explorer onto the checkout's folders)."""
    import importlib

    for name in ("engine", "tui", "corpora"):
        package = importlib.import_module(f"pretrain_explorer.{name}")
        imported = Path(package.__file__).resolve().parent
        if imported == CHECKOUT / name:  # the source folder itself (a venv inside the checkout is fine)
            raise pytest.UsageError(
                f"{package.__name__} was imported from the checkout ({imported}), not from the installed "
                "package: install with `pip install .` (not -e) and run the tests as the README says"
            )
    # As the explorer's command does before Textual replaces stderr.
    from pretrain_explorer.engine.pretraining.counting import start_resource_tracker

    start_resource_tracker()


@pytest.fixture(autouse=True)
def own_config_dir(tmp_path_factory, monkeypatch) -> Path:
    """Every test its own empty config directory: the user's saved theme must not reach a test."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def own_cache_dir(tmp_path_factory, monkeypatch) -> Path:
    """Every test its own empty disk cache: whole results are cached there (issue 21), and a result
    another test computed must not stand in for the computation a test watches."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def own_state_dir(tmp_path_factory, monkeypatch) -> Path:
    """Every test its own state directory: crash reports never go to the user's."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    return folder


@pytest.fixture(scope="session")
def reference() -> dict:
    """What the lesson's own code computes on the kata (a copy of shared/reference)."""
    return json.loads(REFERENCE.read_text())


@pytest.fixture
def kata_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in kata's folder, to break one file at a time."""
    from helpers import KATA

    folder = tmp_path / "kata"
    shutil.copytree(KATA, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder
