"""The engine's layers, read from the installed sources with `ast`: storage is the lowest and
imports no other layer; pretraining and finetuning know nothing of a run or of inspection; and
nothing in the engine imports the UI."""

import ast
from pathlib import Path

import pytest

import pretrain_explorer.engine

ENGINE = Path(pretrain_explorer.engine.__file__).parent
PACKAGE = "pretrain_explorer"

# A folder of the engine, and the packages its modules must not import (anywhere, lazily too).
FORBIDDEN = {
    "storage": ("engine.pretraining", "engine.finetuning", "engine.run", "engine.inspect", "tui"),
    "pretraining": ("engine.run", "engine.inspect", "tui"),
    "finetuning": ("engine.run", "engine.inspect", "tui"),
    "": ("tui",),  # the whole engine
}


def imported(text: str, package: str) -> set[str]:
    """Every module a source imports, absolute (relative imports resolved against `package`)."""
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return names


def package_of(source: Path) -> str:
    return ".".join((PACKAGE, "engine", *source.relative_to(ENGINE).parent.parts))


def sources(folder: str) -> list[Path]:
    return sorted((ENGINE / folder).rglob("*.py"))


def forbidden(names: set[str], layers: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names for layer in layers
                  if n == f"{PACKAGE}.{layer}" or n.startswith(f"{PACKAGE}.{layer}.") or n == layer
                  or n.startswith(layer + "."))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_a_layer_imports_no_layer_above_it(folder):
    assert sources(folder), f"no sources found under {ENGINE / folder}"
    wrong = [f"{source.relative_to(ENGINE)} imports {name}" for source in sources(folder)
             for name in forbidden(imported(source.read_text(), package_of(source)), FORBIDDEN[folder])]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_absolute_relative_and_lazy_imports():
    text = ("from pretrain_explorer.engine.run import cache\n"
            "def f():\n    from ..pretraining.corpus import CorpusFiles\n    import pretrain_explorer.tui.app\n"
            "from . import paths\n")
    names = imported(text, f"{PACKAGE}.engine.storage")
    assert forbidden(names, FORBIDDEN["storage"]) == [
        f"{PACKAGE}.engine.pretraining.corpus", f"{PACKAGE}.engine.pretraining.corpus.CorpusFiles",
        f"{PACKAGE}.engine.run", f"{PACKAGE}.engine.run.cache", f"{PACKAGE}.tui.app"]
    assert f"{PACKAGE}.engine.storage.paths" in names


def test_the_run_context_gives_the_approaches_all_their_interface_asks():
    """The approaches see a run only through their Protocol, Run; RunContext must provide every member."""
    from pretrain_explorer.engine import Session, load_experiment
    from pretrain_explorer.engine.finetuning.approaches import Run, RunKeys, RunSettings
    from pretrain_explorer.engine.run.context import RunContext

    session = Session(disk=None)
    kata = load_experiment()
    vectors, _, keys = session.pretrained(kata, lambda: False, lambda event: None)
    run = RunContext(session, kata, vectors, keys, lambda: False)
    for interface, value in ((Run, run), (RunKeys, run.keys), (RunSettings, run.experiment)):
        members = set(interface.__annotations__) | {n for n, v in vars(interface).items()
                                                     if callable(v) and not n.startswith("_")}
        assert members and all(hasattr(value, m) for m in members), interface.__name__
    assert Run in RunContext.__mro__  # declared, so a type checker holds RunContext to it
