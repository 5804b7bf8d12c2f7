"""The playground: a live page where activations train side by side on the real engine.

``Session`` (no web) holds a setup and one lockstep network per activation; ``server`` serves
the page and a WebSocket that drives a session; ``static/`` holds the page (vanilla JS, canvas).
"""

from .session import Session
from .setup import Setup

__all__ = ["Session", "Setup"]
