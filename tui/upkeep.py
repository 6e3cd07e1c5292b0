"""The App's upkeep: a bug gets a crash report (one in a worker leaves the app running), and the
objects that live as long as the explorer are frozen once."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.worker import Worker, WorkerState

from .crash import crash_line, write_crash_report


class Upkeep:
    """Mixed into the App (before App): its `_engine_worker` and `_keep_previous`."""

    crash: tuple[BaseException, Path | None] | None = None  # a bug's error and its crash report
    _startup_frozen = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A bug in any worker (engine run, neighbours, lists) must not take the app down, nor pass
        # unseen: say so, write the report, keep what is shown.
        if event.state == WorkerState.ERROR:
            if event.worker is self._engine_worker:
                self._keep_previous()
            error = event.worker.error
            self.notify(crash_line(error, write_crash_report(error)), title="Engine error", severity="error",
                        timeout=10, markup=False)

    def _handle_exception(self, error: Exception) -> None:
        # Textual calls this with any exception no code caught (a handler, a widget's render, a
        # timer): a bug. The app exits as Textual makes it, but with a crash report written and one
        # line for the command to print (tui.cli) in place of the traceback screen.
        if self.crash is None:
            self.crash = (error, write_crash_report(error))
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def _freeze_startup_objects(self) -> None:
        """Once the first run is on screen, freeze what lives as long as the explorer (its modules,
        widgets and styles), so that a full collection walks only what came after and no key waits
        for it. Frozen objects are still freed by reference counting, only never searched for cycles."""
        if self._startup_frozen:
            return
        gc.collect()
        gc.freeze()
        self._startup_frozen = True
