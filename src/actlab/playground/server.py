"""The playground's web server: the page, its packaged files, and one WebSocket per page.

Starlette (routing, static files, WebSocket) on uvicorn (the ASGI server). Each open page gets
its own ``Session``; training runs in a worker thread so the page's messages are answered
while a frame is computed. The server serves only the files in ``static/`` of this package,
and accepts a WebSocket only from its own page (the Origin must be the server itself: a page
of another site open in the same browser cannot drive a session or write run directories).

Messages from the page (JSON): ``{"op": "hello" | "setup", "query": "<url query>"}``,
``{"op": "play" | "pause" | "step" | "reset" | "export"}``. Answers: ``setup`` (the setup
and the data points), ``frame``, ``exported`` and ``error`` (one line, nothing changed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import ActlabError
from .session import Session
from .setup import Setup, choices

STATIC = Path(__file__).parent / "static"
MAX_FPS = 30  # frames are sent at most this often (a fast setup would flood the page)
log = logging.getLogger("actlab.playground")


class Connection:
    """One page: its session, the play loop, and the answers to its messages."""

    def __init__(self, ws: WebSocket, out_root: Path):
        self.ws, self.out_root = ws, out_root
        self.session: Session | None = None
        self.lock = asyncio.Lock()  # one session operation at a time
        self.wake = asyncio.Event()
        self.frames: list[float] = []
        self.closed = False

    async def send(self, kind: str, **body) -> None:
        await self.send_text(json.dumps({"type": kind, **body}, allow_nan=False))

    async def send_text(self, text: str) -> None:
        if self.closed:
            return
        try:
            await self.ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError):  # the page went away while we answered
            self.closed = True

    async def run(self) -> None:
        player = asyncio.create_task(self.play_loop())
        try:
            while not self.closed:
                text = await self.ws.receive_text()
                await self.handle(text)
        except (WebSocketDisconnect, RuntimeError):  # closed, or receive after a close
            pass
        finally:
            player.cancel()

    async def handle(self, text: str) -> None:
        try:
            msg = json.loads(text)
            op = msg.get("op") if isinstance(msg, dict) else None
            handler = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
            if handler is None:
                raise _BadMessage(
                    f"message: got {text[:80]!r}; allowed: an op of hello, setup, "
                    "play, pause, step, reset, export"
                )
            if op != "hello" and self.session is None:
                raise _BadMessage("message: got an op before hello; allowed: hello first")
            await handler(msg)
        except (ActlabError, _BadMessage, json.JSONDecodeError) as exc:
            await self.send("error", message=str(exc).splitlines()[0])
        except Exception as exc:  # a bug must not take the server down
            log.exception("playground: internal error")
            await self.send("error", message=f"internal error: {type(exc).__name__}: {exc}")

    # --- operations -------------------------------------------------------------------------
    async def op_hello(self, msg) -> None:
        error = None
        try:
            session = await asyncio.to_thread(Session, str(msg.get("query", "")))
        except ActlabError as exc:  # a bad link: say so, start from the defaults
            error = str(exc)
            session = await asyncio.to_thread(Session)
        async with self.lock:
            self.session = session
        await self.send("hello", choices=choices(), defaults=Setup().to_query())
        await self.send_setup()
        if error:
            await self.send("error", message=f"{error} (the link's setup was not used)")

    async def op_setup(self, msg) -> None:
        query = str(msg.get("query", ""))
        async with self.lock:
            built = self.session.generation
            try:
                await asyncio.to_thread(self.session.change, query)
            except ActlabError:
                await self.send_setup(data=False)  # the page puts its controls back
                raise
        await self.send_setup(data=self.session.generation != built)

    async def op_play(self, msg) -> None:
        self.session.start()
        self.wake.set()
        await self.send("state", running=True)

    async def op_pause(self, msg) -> None:
        # under the lock: a step in flight sends its frame (running: true) first, so the page's
        # last word is this "paused" and not that frame's stale flag
        async with self.lock:
            self.session.pause()
            await self.send("state", running=False)

    async def op_step(self, msg) -> None:
        async with self.lock:
            self.session.pause()
            frame = await asyncio.to_thread(self._step_and_frame)
        await self.send_text(frame)

    async def op_reset(self, msg) -> None:
        async with self.lock:
            self.session.pause()
            await asyncio.to_thread(self.session.reset)
        await self.send_setup()

    async def op_export(self, msg) -> None:
        async with self.lock:
            path = await asyncio.to_thread(self.session.export, _next_dir(self.out_root))
        await self.send("exported", path=str(path.resolve()))

    # --- frames -----------------------------------------------------------------------------
    def _step_and_frame(self) -> str:
        """One step and its frame as JSON text (serialized here, in the worker thread)."""
        self.session.step()
        return json.dumps({"type": "frame", **self._frame()}, allow_nan=False)

    def _frame(self) -> dict:
        """The session's frame and, while playing, the frames per second of the last 2 s."""
        now = time.perf_counter()
        running = self.session.running
        self.frames = [t for t in self.frames if now - t < 2.0] + [now] if running else []
        frame = self.session.frame()
        span = self.frames[-1] - self.frames[0] if len(self.frames) > 1 else 0
        frame["fps"] = (len(self.frames) - 1) / span if span > 0 else None
        return frame

    async def send_setup(self, data: bool = True) -> None:
        s = self.session
        body = {"query": s.setup.to_query(), "setup": s.setup.as_dict(), "running": s.running}
        if data:
            body["data"] = s.data_payload()
        await self.send("setup", **body)
        await self.send("frame", **await asyncio.to_thread(self._frame))

    async def play_loop(self) -> None:
        while True:
            if self.session is None or not self.session.running:
                self.wake.clear()
                await self.wake.wait()
                continue
            start = time.perf_counter()
            async with self.lock:
                if not self.session.running:
                    continue
                try:
                    frame = await asyncio.to_thread(self._step_and_frame)
                except Exception as exc:  # a bug must not take the server down
                    log.exception("playground: a step failed")
                    self.session.pause()
                    await self.send("error", message=f"training stopped: {exc}")
                    continue
                await self.send_text(frame)  # before a pause's "paused" (op_pause waits)
            await asyncio.sleep(max(0.0, 1 / MAX_FPS - (time.perf_counter() - start)))


class _BadMessage(ValueError):
    pass


def _next_dir(root: Path) -> Path:
    from ..experiments.store import default_run_dir

    return default_run_dir("playground", root)


def create_app(out_root: str | Path = "runs") -> Starlette:
    """The ASGI app: the page, its static files, /choices and the /ws WebSocket."""
    out_root = Path(out_root)

    async def index(request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def list_choices(request):
        return JSONResponse(choices())

    async def socket(ws: WebSocket):
        origin = ws.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != ws.headers.get("host"):
            await ws.close(code=1008)  # another site's page may not drive this session
            return
        await ws.accept()
        await Connection(ws, out_root).run()

    return Starlette(
        routes=[
            Route("/", index),
            Route("/choices", list_choices),
            WebSocketRoute("/ws", socket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    out_root: str | Path = "runs",
) -> None:
    """Run the server until interrupted; open the page in the default browser once it listens."""
    import socket
    import threading
    import webbrowser

    import uvicorn

    from ..errors import ParameterError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:  # a busy port or an unknown host: one line before anything starts
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise ParameterError(
            "--port" if exc.errno == 98 else "--host",
            port if exc.errno == 98 else host,
            "a free port on an address of this machine",
            exc.strerror or str(exc),
        ) from None
    config = uvicorn.Config(
        create_app(out_root), host=host, port=port, log_level="warning", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def announce():
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(f"actlab playground: {url}  (Ctrl-C stops it)", flush=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
