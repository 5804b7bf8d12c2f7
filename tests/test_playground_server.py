"""The playground's server without a browser: its WebSocket protocol and its command line."""

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

QUERY = "data=moons&n=80&hidden=4&seeds=2&act=tanh&act=relu"


@pytest.fixture
def url(tmp_path):
    import uvicorn

    from actlab.playground.server import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(tmp_path / "runs"),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="websockets-sansio",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.05)
    yield f"ws://127.0.0.1:{port}/ws"
    server.should_exit = True
    thread.join(timeout=20)


def talk(url, script):
    """Run ``script(ws, recv)`` against the server; recv(kind) skips to the next such message."""
    import websockets

    async def main():
        async with websockets.connect(url, max_size=None) as ws:
            seen = []

            async def recv(kind):
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 120))
                    seen.append(msg)
                    if msg["type"] == kind:
                        return msg

            async def send(**msg):
                await ws.send(json.dumps(msg))

            return await script(send, recv)

    return asyncio.run(main())


def test_hello_setup_and_bad_input(url):
    async def script(send, recv):
        await send(op="hello", query="?act=relu&act=nosuch")  # a bad link
        hello = await recv("hello")
        assert "relu" in hello["choices"]["activations"]
        setup = await recv("setup")
        assert setup["setup"]["activations"] == ["sigmoid", "tanh", "relu"]  # the defaults
        error = await recv("error")
        assert error["message"].startswith("act: got 'nosuch'")
        assert error["message"].endswith("(the link's setup was not used)")

        await send(op="setup", query=QUERY)
        setup = await recv("setup")
        assert setup["setup"]["activations"] == ["tanh", "relu"]
        assert len(setup["data"]["train"]) == 40
        frame = await recv("frame")
        assert frame["epoch"] == 0 and len(frame["lanes"]) == 2

        for bad, start in (("lr=0", "lr: got 0.0"), ("hidden=10000", "hidden: got '10000'")):
            await send(op="setup", query=QUERY + "&" + bad)
            unchanged = await recv("setup")
            assert unchanged["query"] == setup["query"] and "data" not in unchanged
            assert (await recv("error"))["message"].startswith(start)

        await send(op="bogus")
        assert (await recv("error"))["message"].startswith("message: got")
        await send(op="step")  # the connection still works
        assert (await recv("frame"))["epoch"] == 1

    talk(url, script)


def test_play_pause_step_reset_export(url, tmp_path):
    async def script(send, recv):
        await send(op="hello", query=QUERY)
        await recv("setup")
        await send(op="play")
        assert (await recv("state"))["running"] is True
        epochs = []
        while len(epochs) < 4:
            frame = await recv("frame")
            if frame["running"]:
                epochs.append(frame["epoch"])
        assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
        await send(op="pause")
        assert (await recv("state"))["running"] is False
        await send(op="reset")
        await recv("setup")
        reset = await recv("frame")
        assert reset["epoch"] == 0 and not reset["running"]
        await send(op="step")
        assert (await recv("frame"))["epoch"] == 1
        await send(op="export")
        return (await recv("exported"))["path"]

    path = Path(talk(url, script))
    assert path.parent == (tmp_path / "runs").resolve()
    assert (path / "records.jsonl").is_file() and (path / "report.html").is_file()


def test_a_pause_during_a_step_is_the_last_word(url, monkeypatch):
    """A pause that arrives while a step runs: the step's frame (running: true) must not reach
    the page after the pause's "paused", or the page shows a running session that is paused."""
    from actlab.playground.server import Connection

    step_and_frame = Connection._step_and_frame

    def slow(self):  # the frame is made (running: true), then a slow send-off
        frame = step_and_frame(self)
        time.sleep(0.3)
        return frame

    monkeypatch.setattr(Connection, "_step_and_frame", slow)

    async def script(send, recv):
        await send(op="hello", query=QUERY)
        await recv("setup")
        await recv("frame")
        await send(op="play")
        await recv("frame")  # running: the next step is under way now
        await send(op="pause")
        assert (await recv("state"))["running"] is False
        try:  # the step under way when the pause came: its frame must come before "paused"
            late = await asyncio.wait_for(recv("frame"), 1.5)
        except TimeoutError:
            return None
        return late["running"]

    late = talk(url, script)
    assert late is None, f"after 'paused' the page got a frame with running: {late}"


def test_cli_refuses_a_busy_port_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "actlab.cli", "playground", "--no-browser", "--port", str(port)],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert proc.returncode == 2
    assert (
        proc.stderr.startswith(f"actlab: error: --port: got {port}")
        and proc.stderr.count("\n") == 1
    )
    bad = subprocess.run(
        [sys.executable, "-m", "actlab.cli", "playground", "--no-browser", "--port", "70000"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "--port: got '70000'" in bad.stderr


def test_another_sites_page_cannot_open_the_socket(url):
    import websockets

    async def main():
        host = url.split("/")[2]
        async with websockets.connect(url, origin=f"http://{host}") as ws:  # its own page
            await ws.send(json.dumps({"op": "hello", "query": QUERY}))
            assert json.loads(await ws.recv())["type"] == "hello"
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(url, origin="http://evil.example"):
                pass

    asyncio.run(main())
