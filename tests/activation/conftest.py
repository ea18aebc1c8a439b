"""Fixtures for activation tests: a private copy of the demo workspace and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import threading

import pytest


@pytest.fixture
def act_ws(demo_ws, tmp_path):
    """A copy of the SF 0.01 demo workspace (store + secret) that the test may change."""
    src, _ = demo_ws
    dst = tmp_path / "ws"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("report", "exports", "runs"))
    return dst


@pytest.fixture
def act_store(act_ws):
    from centric.store import connect

    store = connect(f"duckdb://{act_ws}/centric.duckdb")
    yield store
    store.close()


class _Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real aiosmtpd SMTP server on 127.0.0.1; yields (host, port, inbox)."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield "127.0.0.1", port, inbox
    finally:
        ctl.stop()
