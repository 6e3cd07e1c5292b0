import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The suite runs as two processes on two cores: OpenBLAS's own threads in each (two per process,
# and as many in every explorer or report a test starts) would only contend and spin for the same
# cores, which doubled the CPU time of the tests that use it. Set before any test process starts.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Textual's animations (scrolling, toasts fading, the progress bar's pulse) cost a sixth of the
# explorer tests' CPU and no test looks at a frame between their ends. Before Textual is imported.
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
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
    config.addinivalue_line("markers", "warm_kata: the built-in kata's results are in the test's disk cache")


@pytest.fixture(autouse=True)
def own_config_dir(tmp_path_factory, monkeypatch) -> Path:
    """Every test its own empty config directory: the user's saved theme must not reach a test."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


@pytest.fixture(scope="session")
def kata_results(tmp_path_factory) -> Path:
    """A disk cache holding the built-in kata's complete results, computed once per test process."""
    from pretrain_explorer.engine import builtin_experiment_path, load_experiment, run_experiment

    folder = tmp_path_factory.mktemp("kata-results")
    with pytest.MonkeyPatch.context() as patch:  # stored where the explorer looks, under this folder
        patch.setenv("XDG_CACHE_HOME", str(folder))
        run_experiment(load_experiment(builtin_experiment_path("kata")))
    return folder


@pytest.fixture(autouse=True)
def own_cache_dir(request, tmp_path_factory, monkeypatch) -> Path:
    """Every test its own disk cache: whole results are cached there (issue 21), and a result
    another test computed must not stand in for the computation a test watches. Empty, except in
    tests marked warm_kata: those look at what the explorer shows of the kata, not at how it is
    computed, and find its results stored, as every launch after the first on a machine does (a
    kata computed in each of them was half the suite's time)."""
    folder = tmp_path_factory.mktemp("cache")
    if request.node.get_closest_marker("warm_kata"):
        shutil.copytree(request.getfixturevalue("kata_results"), folder, dirs_exist_ok=True)
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
