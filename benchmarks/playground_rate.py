"""The playground's update rate: frames per second on spiral, 3 activations x 3 seeds.

Two measurements of the same setup (the page's default: spiral, 400 points, hidden 8,8, adam,
batch 16, one epoch per frame):

- session: ``Session.step()`` + ``Session.frame()`` + ``json.dumps`` in a loop (the engine's
  side of a frame, no network);
- server: ``actlab playground`` in its own process on 127.0.0.1 and a WebSocket client here
  that says hello and play and counts the frames it receives (what a page gets, minus its
  drawing).

The issue aims at >= 10 frames/s on this 2-core machine. Usage:
    python benchmarks/playground_rate.py [--seconds 8] [--query 'data=spiral&seeds=3']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import common  # puts src/ on sys.path

DEFAULT = "data=spiral&act=sigmoid&act=tanh&act=relu&seeds=3&hidden=8,8"


def session_rate(query: str, seconds: float) -> dict:
    from actlab.playground import Session

    s = Session(query)
    for _ in range(3):  # warm-up
        s.step()
        json.dumps(s.frame())
    step_ms, frame_ms, n = [], [], 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        a = time.perf_counter()
        s.step()
        b = time.perf_counter()
        json.dumps(s.frame())
        c = time.perf_counter()
        step_ms.append((b - a) * 1e3)
        frame_ms.append((c - b) * 1e3)
        n += 1
    wall = time.perf_counter() - start
    return {
        "frames_per_s": n / wall,
        "frames": n,
        "step_ms_median": statistics.median(step_ms),
        "frame_ms_median": statistics.median(frame_ms),
    }


def server_rate(query: str, seconds: float) -> dict:
    """Frames a WebSocket client receives from `actlab playground` run as its own process."""
    import websockets

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(common.ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "actlab.cli",
            "playground",
            "--no-browser",
            "--port",
            str(port),
            "--out",
            "/tmp/actlab-bench-runs",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )

    async def client():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
            await ws.send(json.dumps({"op": "hello", "query": query}))
            await ws.send(json.dumps({"op": "play"}))
            times, epochs = [], []
            deadline = time.perf_counter() + seconds + 2
            while time.perf_counter() < deadline:
                msg = json.loads(await ws.recv())
                if msg["type"] == "frame" and msg["running"]:
                    times.append(time.perf_counter())
                    epochs.append(msg["epoch"])
            await ws.send(json.dumps({"op": "pause"}))
            return times, epochs

    try:
        proc.stdout.readline()  # the server prints its URL once it listens
        times, epochs = asyncio.run(client())
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    times = [t for t in times if t - times[0] >= 2.0]  # skip the first 2 s (warm-up)
    return {
        "frames_per_s": (len(times) - 1) / (times[-1] - times[0]),
        "frames": len(times),
        "last_epoch": epochs[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--query", default=DEFAULT)
    args = parser.parse_args()
    print(
        f"setup: {args.query}; {os.cpu_count()} cores; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    s = session_rate(args.query, args.seconds)
    print(
        f"session: {s['frames_per_s']:.1f} frames/s ({s['frames']} frames; median step "
        f"{s['step_ms_median']:.1f} ms + frame {s['frame_ms_median']:.1f} ms)"
    )
    w = server_rate(args.query, args.seconds)
    print(
        f"server over WebSocket: {w['frames_per_s']:.1f} frames/s ({w['frames']} frames "
        f"after warm-up, reached epoch {w['last_epoch']})"
    )


if __name__ == "__main__":
    main()
