"""Files the explorer writes on request: the report (text, JSON, or a Markdown handout with its charts
as SVG files) and a screenshot, each handed to the visitor as a download when the explorer is served
to a web browser."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..engine import ExperimentError, ExperimentResult
from ..engine.storage.atomic import check_destination, write_text_atomically
from .presentation.printed_report import chart_file, handout_charts, render_json, render_markdown, render_text

RENDERERS = {"text": (render_text, "txt"), "json": (render_json, "json"), "markdown": (render_markdown, "md")}
from .screens import PathPrompt
from .screens.word_map import WordMapView, map_svg


class Exports:
    """The explorer's export commands (mixed into the App: `access`, `result`, notify, push_screen)."""

    def command_export(self, fmt: str) -> None:
        if self.result is None:
            self.notify("Nothing to export yet.", severity="warning")
            return
        result = self.result

        def chosen(location: str | None) -> None:
            if location:
                self.export_report(result, fmt, Path(location).expanduser())

        name = Path(f"{result.experiment.name}-{'handout' if fmt == 'markdown' else 'report'}.{RENDERERS[fmt][1]}")
        suggested = self.access.export_folder / name if self.access.export_folder else name
        self.push_screen(PathPrompt(f"Export the report as {fmt} to:", str(suggested)), chosen)

    def export_report(self, result: ExperimentResult, fmt: str, path: Path) -> None:
        # The handout's charts go beside it as SVG files, each named after it; nothing is written
        # unless every file can be, and no file that exists is replaced (choose another name).
        pictures = handout_charts(result) if fmt == "markdown" else {}
        names = {name: chart_file(path.name, name) for name in pictures}
        text = render_markdown(result, names) if fmt == "markdown" else RENDERERS[fmt][0](result)
        try:
            path = self.access.check_write(path)
            files = [(path.parent / names[name], picture) for name, picture in pictures.items()] + [(path, text + "\n")]
            for destination, _ in files:
                check_destination(destination)
            for destination, content in files:
                write_text_atomically(destination, content)
        except ExperimentError as exc:
            self.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        beside = f", its {len(pictures)} charts beside it as .svg files" if pictures else ""
        self.notify(f"Report written to {path.absolute()}{beside}", markup=False)
        for destination, _ in files:
            self._hand_over(destination)

    def command_screenshot(self) -> None:
        name = f"pretrain-explorer-{datetime.now():%Y-%m-%d_%H-%M-%S}.svg"
        try:
            path = self.access.check_write(self.access.export_folder / name if self.access.export_folder
                                           else Path.cwd() / name)
        except ExperimentError as exc:
            self.notify(str(exc), title="Screenshot not saved", severity="error", markup=False)
            return
        except OSError:  # the folder the explorer was started in was deleted since
            self.notify(f"{name}: the current folder no longer exists", title="Screenshot not saved",
                        severity="error", markup=False)
            return
        try:
            write_text_atomically(path, self.export_screenshot())
        except ExperimentError as exc:
            self.notify(str(exc), title="Screenshot not saved", severity="error", markup=False)
            return
        self.notify(f"Screenshot saved to {path.absolute()}", markup=False)
        self._hand_over(path)

    def _hand_over(self, path: Path) -> None:
        """In a web browser, the file written goes to the visitor as a download: it is on the
        server's disk, in the session's export folder, which goes when the session ends."""
        if self.is_web:
            self.deliver_text(path)


class MapExports:
    """The word map's exports (issue 24), mixed into the App beside Exports: the vectors and their
    metadata as the Embedding Projector's TSV files, and the map as an SVG picture, written into the
    session's export folder (the current folder outside `serve`) under new names, never over a file."""

    def command_export_map(self, screen) -> None:
        """The palette's export: the map as shown when the palette was opened over it, else the
        map the view opens on (PCA, no word chosen)."""
        if isinstance(screen, WordMapView):
            screen.action_export()
        elif self.result is None:
            self.notify("Nothing to export yet.", severity="warning")
        else:
            made = self.result.space.map()
            self.export_map(self.result, made, map_svg(self.result, made))

    def export_map(self, result: ExperimentResult, made, picture: str) -> None:
        from ..engine.inspect.projector import projector_files

        files = projector_files(result, made)
        stem = f"{result.experiment.name}-map-{datetime.now():%Y-%m-%d_%H-%M-%S}"
        contents = {f"{stem}-pretrained-vectors.tsv": files.vectors["pretrained"],
                    f"{stem}-random-vectors.tsv": files.vectors["random"],
                    f"{stem}-metadata.tsv": files.metadata, f"{stem}.svg": picture}
        try:
            folder = self.access.export_folder or Path.cwd()
            paths = [self.access.check_write(folder / name) for name in contents]
            for path in paths:
                check_destination(path)
            for path, content in zip(paths, contents.values()):
                write_text_atomically(path, content)
        except ExperimentError as exc:
            self.notify(str(exc), title="Map not exported", severity="error", markup=False)
            return
        except OSError:  # the folder the explorer was started in was deleted since
            self.notify("the current folder no longer exists", title="Map not exported", severity="error")
            return
        which = "the whole vocabulary" if files.whole_vocabulary else "the map's words and their nearest"
        self.notify(f"{len(files.words):,} words ({which}) written for the Embedding Projector: "
                    + ", ".join(str(p.absolute()) for p in paths), markup=False, timeout=15)
        for path in paths:
            self._hand_over(path)
