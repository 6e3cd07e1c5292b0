"""One place for each setting, checked on the installed sources: every default, range and limit,
and the dense-vocabulary limit, is written in engine/settings.py only; every other module imports it."""

import ast
import dataclasses
from pathlib import Path

import pytest

import pretrain_explorer.engine
from pretrain_explorer.engine.settings import DEFAULTS, LIMITS, MAX_DENSE_WORDS, WEIGHTINGS, next_weighting

PACKAGE = Path(pretrain_explorer.engine.__file__).parent.parent
SETTINGS = PACKAGE / "engine" / "settings.py"
SOURCES = sorted(p for folder in ("engine", "tui", "corpora") for p in (PACKAGE / folder).rglob("*.py"))
# The dense-vocabulary limit as a literal: its words, or the cells of its square matrix.
DENSE_LITERALS = {MAX_DENSE_WORDS, MAX_DENSE_WORDS**2}


def literal(node) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value is not None


def repeated_defaults(tree: ast.AST) -> list[str]:
    """Places binding a setting's name to its default as a literal: a parameter's default, a
    keyword argument, a field or assignment, or a call that names the setting and then gives it."""
    found = []

    def check(name: str, value, line: int) -> None:
        if name in DEFAULTS and literal(value) and value.value == DEFAULTS[name]:
            found.append(f"line {line}: {name} = {value.value!r}")

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            positional = node.args.posonlyargs + node.args.args
            for arg, default in zip(positional[len(positional) - len(node.args.defaults):], node.args.defaults):
                check(arg.arg, default, node.lineno)
            for arg, default in zip(node.args.kwonlyargs, node.args.kw_defaults):
                if default is not None:
                    check(arg.arg, default, node.lineno)
        elif isinstance(node, ast.keyword) and node.arg:
            check(node.arg, node.value, node.value.lineno)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            check(node.target.id, node.value, node.lineno)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    check(target.id.lower(), node.value, node.lineno)
        elif isinstance(node, ast.Call):
            for named, given in zip(node.args, node.args[1:]):
                if literal(named) and isinstance(named.value, str):
                    check(named.value, given, node.lineno)
    return found


@pytest.mark.parametrize("source", [p for p in SOURCES if p != SETTINGS], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_defaults_and_the_dense_limit_are_written_in_settings_only(source):
    tree = ast.parse(source.read_text())
    dense = [f"line {n.lineno}: {n.value}" for n in ast.walk(tree)
             if literal(n) and isinstance(n.value, (int, float)) and n.value in DENSE_LITERALS]
    assert not dense, f"the dense-vocabulary limit written again (import settings.MAX_DENSE_WORDS): {dense}"
    assert not repeated_defaults(tree), f"a default written again (import settings.DEFAULTS): {repeated_defaults(tree)}"


def test_settings_defines_each_idea_once():
    """The names of settings.py are defined nowhere else (an import is no definition)."""
    names = {"LIMITS", "DEFAULTS", "WEIGHTINGS", "COUNT_WEIGHTINGS", "DENSE_WEIGHTINGS", "MAX_DENSE_WORDS",
             "MAX_DENSE_CELLS", "MAX_DENSE_VOCABULARY", "MAX_WINDOW", "MAX_TOP_N", "Range"}
    for source in SOURCES:
        if source == SETTINGS:
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            defined = ([t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign)
                       else [node.target.id] if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                       else [node.name] if isinstance(node, ast.ClassDef) else [])
            assert not names & set(defined), f"{source.relative_to(PACKAGE)}:{node.lineno} defines {defined}"


def test_every_default_is_in_range():
    for name, value in DEFAULTS.items():
        if name in LIMITS:
            assert LIMITS[name].check(value) == value, name
    assert DEFAULTS["weighting"] in WEIGHTINGS


def test_the_next_weighting_caps_counts_and_ppmi_on_a_large_vocabulary():
    large = MAX_DENSE_WORDS + 1
    assert next_weighting("sgns", 0, 0, large) == (("counts", MAX_DENSE_WORDS, True))
    assert next_weighting("counts", MAX_DENSE_WORDS, 0, large) == ("ppmi", MAX_DENSE_WORDS, False)
    assert next_weighting("ppmi", MAX_DENSE_WORDS, 0, large) == ("svd", 0, False)
    assert next_weighting("svd", 0, 0, large) == ("sgns", 0, False)
    assert next_weighting("sgns", 0, 0, MAX_DENSE_WORDS) == ("counts", 0, False)  # fits: no cap
    assert next_weighting("sgns", 0, 0, None) == ("counts", 0, False)  # not known yet
    assert next_weighting("sgns", 1000, 1000, large) == ("counts", 1000, False)  # its own cap fits


def test_the_explorer_keys_step_within_the_settings_ranges():
    """A manifest's window 20 is no longer lowered to 10 by `+`: the keys' range is LIMITS'."""
    from pretrain_explorer.engine import load_experiment
    from pretrain_explorer.tui.controls import Controls

    kata = load_experiment()
    controls = dataclasses.replace(Controls.of(kata), window=20, top_n=LIMITS["top_n"].maximum)
    assert controls.stepped("window", 1).window == 21
    assert controls.stepped("window", -1).window == 19
    assert controls.stepped("top_n", 1) is None and controls.stepped("top_n", -1).top_n == LIMITS["top_n"].maximum - 1
    at_end = dataclasses.replace(controls, window=LIMITS["window"].maximum)
    assert at_end.stepped("window", 1) is None
    assert dataclasses.replace(controls, window=LIMITS["window"].minimum).stepped("window", -1) is None
    applied = controls.apply(kata)
    assert (applied.window, applied.top_n) == (20, LIMITS["top_n"].maximum)
