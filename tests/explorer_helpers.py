"""Helpers for driving the explorer in tests."""

import asyncio

from tui.app import PretrainExplorer


def screen_text(app: PretrainExplorer) -> str:
    """The characters on screen now, line by line, as a user reads them."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settled(app: PretrainExplorer, pilot, timeout: float = 15.0) -> None:
    """Wait until no worker runs and the screen has caught up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await pilot.pause(0.02)
        busy = any(w.is_running for w in app.workers)
        if app.result is not None and not busy:
            break
        if loop.time() > deadline:
            raise TimeoutError("the explorer did not settle")
    await pilot.pause(0.05)


def notifications(app: PretrainExplorer) -> str:
    """Every notification the app has raised and still holds, as text (toasts are drawn on a layer
    that the compositor's strips do not include)."""
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)
