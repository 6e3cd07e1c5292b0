"""`serve`'s server: textual-serve's, with every explorer it starts tracked, ended when its visitor
leaves (terminated if it does not quit) and when the server stops."""

from __future__ import annotations

import asyncio

from textual_serve.app_service import AppService
from textual_serve.server import Server

# After a visitor leaves, how long its explorer has to quit by itself before it is terminated (a
# little more than the explorer's own QUIT_GRACE), then how long to end on SIGTERM before SIGKILL.
QUIT_GRACE = 5.0
TERM_GRACE = 3.0


async def _end(process: asyncio.subprocess.Process) -> None:
    """Wait for `process` a little, then SIGTERM it, then SIGKILL it: it ends whatever it is doing."""
    for stop, grace in ((None, QUIT_GRACE), (process.terminate, TERM_GRACE), (process.kill, None)):
        if process.returncode is not None:
            return
        if stop is not None:
            try:
                stop()
            except ProcessLookupError:
                return
        try:
            await asyncio.wait_for(process.wait(), grace)
        except asyncio.TimeoutError:
            pass


class _Session(AppService):
    """One visitor's explorer process. textual-serve asks it to quit and waits for its output to
    end; an explorer stuck in its event loop never quits, and one whose visitor's socket failed
    mid-write is not waited for at all. Here it is ended in every case."""

    def __init__(self, command: str, children: set, **kwargs) -> None:
        super().__init__(command, **kwargs)
        self._children = children

    async def _open_app_process(self, width: int = 80, height: int = 24):
        process = await super()._open_app_process(width, height)
        self._children.add(process)
        return process

    async def run(self) -> None:
        await super().run()
        await self.remote_close()  # the explorer has ended (a signal, a crash): so has the visit

    async def stop(self) -> None:
        if self._task is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
        process = self._process
        if process is not None:
            await _end(process)
            self._children.discard(process)
        if self._task is not None:
            await self._task  # its output ends with the process
            self._task = None


class ExplorerServer(Server):
    """textual-serve's Server whose sessions are _Session, and which ends them all when it stops."""

    def __init__(self, command: str, **kwargs) -> None:
        # `exec`: the shell textual-serve starts becomes the explorer, so its signals reach it.
        super().__init__(f"exec {command}", **kwargs)
        self.children: set[asyncio.subprocess.Process] = set()

    async def on_shutdown(self, app) -> None:
        for process in list(self.children):
            if process.returncode is None:
                try:
                    process.terminate()
                except ProcessLookupError:
                    pass
        await asyncio.gather(*(_end(process) for process in list(self.children)))

    async def handle_websocket(self, request):
        """textual-serve's handler (1.1.3), with a _Session for the visitor."""
        from aiohttp import web

        from textual_serve.server import to_int

        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        session = None
        try:
            await websocket.prepare(request)
            session = _Session(self.command, self.children, write_bytes=websocket.send_bytes,
                               write_str=websocket.send_str, close=websocket.close,
                               download_manager=self.download_manager, debug=self.debug)
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # the visitor's socket failed: the session ends all the same
            pass
        finally:
            if session is not None:
                await asyncio.shield(session.stop())
        return websocket
