"""The rules that keep the layout as docs/architecture.md draws it, checked on the installed sources:
the engine never imports the interface, the presentation layer never computes, panes only lay out."""

import ast
from pathlib import Path

import pytest

import pretrain_explorer.engine
import pretrain_explorer.tui

ENGINE = Path(pretrain_explorer.engine.__file__).parent
TUI = Path(pretrain_explorer.tui.__file__).parent
PRESENTATION = TUI / "presentation"


def imports(source: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in a file, relative ones resolved; names empty for `import m`."""
    package = "pretrain_explorer." + ".".join(source.parent.relative_to(ENGINE.parent).parts)
    found = []
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            found.append((module, [a.name for a in node.names]))
    return found


def sources(folder: Path) -> list[Path]:
    found = sorted(folder.rglob("*.py"))
    assert found, folder
    return found


@pytest.mark.parametrize("source", sources(ENGINE), ids=lambda p: str(p.relative_to(ENGINE)))
def test_the_engine_never_imports_the_interface(source):
    for module, _ in imports(source):
        assert module.split(".")[0] not in ("textual", "rich", "plotext", "textual_serve"), module
        assert not module.startswith("pretrain_explorer.tui"), module


@pytest.mark.parametrize("source", sources(PRESENTATION), ids=lambda p: p.name)
def test_the_presentation_layer_only_renders(source):
    """Words, numbers, colours and charts from results: no arrays to compute with, no widgets, and
    from the engine only its result types and constants (CapWords and UPPER names) and the JSON
    form of a result; a measure the screens need is computed by the engine and carried by the result."""
    for module, names in imports(source):
        top = module.split(".")[0]
        assert top not in ("numpy", "scipy", "textual", "numba"), f"{source.name} imports {module}"
        assert not module.startswith(("pretrain_explorer.tui.widgets", "pretrain_explorer.tui.screens",
                                      "pretrain_explorer.tui.app")), f"{source.name} imports {module}"
        if module.startswith("pretrain_explorer.engine") and module != "pretrain_explorer.engine.run.json_form":
            computing = [n for n in names if not (n[:1].isupper())]
            assert not computing, f"{source.name} imports engine functions {computing} from {module}"


@pytest.mark.parametrize("source", sources(TUI / "widgets"), ids=lambda p: p.name)
def test_panes_only_lay_out(source):
    """A pane shows what the presentation layer made of a result: it never reaches into the engine's
    computations, nor into the app that holds it."""
    for module, names in imports(source):
        assert module.split(".")[0] not in ("numpy", "scipy"), f"{source.name} imports {module}"
        assert not module.startswith("pretrain_explorer.tui.app"), f"{source.name} imports {module}"
        if module.startswith("pretrain_explorer.engine"):
            allowed = {"word_spans"}  # where a sentence's words stand, to colour them as tokenized
            computing = [n for n in names if not n[:1].isupper() and n not in allowed]
            assert not computing, f"{source.name} imports engine functions {computing} from {module}"
