import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from engine import builtin_experiment_path
from engine.corpus import start_resource_tracker

# As the explorer's command does before Textual replaces stderr (see engine.corpus._pool).
start_resource_tracker()
# The engine caches pretraining of large corpora in the user's cache folder: never the real one here.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="pretrain-explorer-tests-")

REFERENCE = Path(__file__).parent / "reference" / "kata-expected.json"


@pytest.fixture(scope="session")
def reference() -> dict:
    """What the lesson's own code computes on the kata (a copy of shared/reference)."""
    return json.loads(REFERENCE.read_text())


@pytest.fixture
def kata_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in kata's folder, to break one file at a time."""
    folder = tmp_path / "kata"
    shutil.copytree(builtin_experiment_path().parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder
