"""Any experiment folder a user could make gives a result or one clear line: exit 0 with valid JSON,
or exit 2 with one line on stderr; never a traceback, never a file left behind."""

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings

from strategies import experiment_folders, write_folder
from pretrain_explorer.tui.cli import main


def refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def check_one(folder: Path, capsys) -> int:
    """Run `report --json` on `folder` and check the outcome; the exit status."""
    before = {p: p.read_bytes() for p in folder.iterdir()}
    status = main(["report", "--json", str(folder)])
    out, err = capsys.readouterr()
    assert status in (0, 2), err
    if status == 0:
        json.loads(out, parse_constant=refuse_constant)  # strict JSON: no NaN or Infinity
        assert err == ""
    else:
        assert out == "" and err.count("\n") == 1 and err.startswith("pretrain-explorer: "), err
    assert {p: p.read_bytes() for p in folder.iterdir()} == before  # nothing written, nothing changed
    return status


# 150 here (the suite keeps to 3 minutes); benchmarks/stress.py runs 5,000 with a new seed each time.
@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=experiment_folders())
def test_any_experiment_folder_gives_a_result_or_one_line(capsys, tmp_path, files):
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        folder = Path(scratch) / "experiment"
        write_folder(folder, files)
        event(f"exit {check_one(folder, capsys)}")  # --hypothesis-show-statistics shows how many of each
        assert [p.name for p in Path(scratch).iterdir()] == ["experiment"]
