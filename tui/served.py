"""A served explorer's web driver: the process ends with its visitor, its server, or a signal,
even when its event loop is stuck."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import threading
from typing import Callable

# After the server asks a served explorer to quit (its visitor has gone), how long Textual has to
# exit by itself before the driver ends the process.
QUIT_GRACE = 3.0


def served_driver(on_end: Callable[[], None]) -> type:
    """Textual's web driver for a served explorer that ends at once on SIGTERM, SIGHUP or SIGINT,
    when its server goes (standard input's writer gone), or QUIT_GRACE after the server asked it
    to quit: `on_end` runs, then the process exits, whatever its event loop is doing (a loop stuck
    in layout never reaches the exit Textual posts for these)."""
    from textual.drivers.web_driver import WebDriver

    def end(signum=None, frame=None) -> None:
        try:
            on_end()
        finally:
            os._exit(128 + (signum or signal.SIGHUP))

    def watch_stdin() -> None:
        # Mask 0: poll reports only a hang-up, so the driver's own reading of stdin is left alone.
        poller = select.poll()
        poller.register(0, 0)
        while True:
            if poller.poll():
                end()

    class ServedDriver(WebDriver):
        def start_application_mode(self) -> None:
            super().start_application_mode()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.remove_signal_handler(signum)  # Textual's: an exit posted to the event loop
                signal.signal(signum, end)
            threading.Thread(target=watch_stdin, name="served-stdin-watch", daemon=True).start()

        def on_meta(self, packet_type: str, payload: dict) -> None:
            if packet_type == "quit":  # the visitor has gone
                timer = threading.Timer(QUIT_GRACE, end, args=(signal.SIGTERM,))
                timer.daemon = True
                timer.start()
            super().on_meta(packet_type, payload)

    return ServedDriver
