"""Every number of an experiment or the command line has a range; NaN, infinities and unbounded
values are refused with the allowed range, from one table (engine.settings.LIMITS)."""

import pytest

from pretrain_explorer.engine.settings import LIMITS
from pretrain_explorer.tui.cli import main

TABLE = {"window": "pretraining", "min_count": "pretraining", "max_vocab": "pretraining", "dim": "pretraining",
         "top_n": "analysis", "epochs": "finetuning", "learning_rate": "finetuning", "l2": "finetuning",
         "seed": "random", "seeds": "random"}


def test_every_manifest_number_has_a_range():
    assert set(LIMITS) - {"port", "limit", "restrict_vocab"} == set(TABLE)  # those three: command line only


def set_key(kata_copy, table, key, value):
    """The kata's manifest with `key` of `[table]` set to `value` (TOML source)."""
    manifest = kata_copy / "experiment.toml"
    lines = [line for line in manifest.read_text().splitlines() if not line.startswith(f"{key} =")]
    at = lines.index(f"[{table}]") + 1
    manifest.write_text("\n".join(lines[:at] + [f"{key} = {value}"] + lines[at:]) + "\n")
    return manifest, at + 1


@pytest.mark.parametrize("key", TABLE)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "10000000000000"])
def test_manifest_number_out_of_range(capsys, kata_copy, key, value):
    manifest, line = set_key(kata_copy, TABLE[key], key, value)
    assert main(["report", str(kata_copy)]) == 2
    shown = {"nan": "nan", "inf": "inf", "-inf": "-inf", "1e300": "1e+300", "10000000000000": "10000000000000"}[value]
    assert capsys.readouterr().err == (f"pretrain-explorer: {manifest}, line {line}: [{TABLE[key]}] {key}: must be "
                                       f"{LIMITS[key].describe()}, got {shown}\n")


@pytest.mark.parametrize("option, key", [("--window", "window"), ("--min-count", "min_count"),
                                         ("--max-vocab", "max_vocab"), ("--dim", "dim")])
@pytest.mark.parametrize("value", ["nan", "inf", "1e3", "99999999999999"])
def test_command_line_number_out_of_range(capsys, option, key, value):
    with pytest.raises(SystemExit) as exit_:
        main(["report", option, value])
    assert exit_.value.code == 2
    shown = "99999999999999" if value == "99999999999999" else repr(value)
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        f"error: argument {option}: must be {LIMITS[key].describe()}, got {shown}")


def test_the_ranges_as_the_readme_states_them():
    assert {key: LIMITS[key].describe() for key in LIMITS} == {
        "window": "a whole number at least 1 and at most 100",
        "min_count": "a whole number at least 1 and at most 1,000,000,000,000",
        "max_vocab": "a whole number at least 0 and at most 10,000,000",
        "dim": "a whole number at least 1 and at most 10,000",
        "top_n": "a whole number at least 1 and at most 1,000",
        "epochs": "a whole number at least 1 and at most 100,000",
        "learning_rate": "a number above 0 and at most 1000",
        "l2": "a number at least 0 and at most 1000",
        "seed": "a whole number at least 0 and at most 4,294,967,295",
        "seeds": "a whole number at least 1 and at most 1,000",
        "port": "a whole number at least 1 and at most 65,535",
        "limit": "a whole number at least 1 and at most 10,000,000",
        "restrict_vocab": "a whole number at least 1 and at most 10,000,000",
    }
