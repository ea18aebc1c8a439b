"""Durability: SIGKILL `centric serve` during ingestion; every acknowledged event survives exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(ws, port, log):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("CENTRIC_SECRET", None)
    env.pop("CENTRIC_STORE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "centric", "serve", "--workspace", str(ws), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("serve did not answer within 60 s")


def _batch(b: int, n: int) -> dict:
    return {"events": [{"event_id": f"dur-{b}-{i}", "occurred_at": "2026-05-01T10:00:00Z", "name": "page_view",
                        "anonymous_id": f"a{b % 7}", "properties": {"b": b, "i": i}} for i in range(n)]}


@pytest.mark.slow
def test_sigkill_during_ingestion_loses_no_acknowledged_event(tmp_path, monkeypatch):
    import duckdb

    from centric.config import Settings
    from centric.store import connect
    from centric.web._accounts import create_key

    monkeypatch.delenv("CENTRIC_SECRET", raising=False)
    ws = tmp_path / "ws"
    Settings(workspace=ws, store_url="").secret(create=True)  # what 'centric init' does
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        key, _ = create_key(store, scopes=["ingest"])
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v1/events"
    headers = {"Authorization": f"Bearer {key}"}
    log = open(tmp_path / "serve.log", "wb")
    proc = _start(ws, port, log)

    acked: set[int] = set()
    sent: set[int] = set()
    lock = threading.Lock()
    counter = iter(range(10**6))
    stop = threading.Event()
    per_batch = 200

    def client() -> None:
        with httpx.Client(timeout=10) as c:
            while not stop.is_set():
                with lock:
                    b = next(counter)
                    sent.add(b)
                try:
                    r = c.post(url, json=_batch(b, per_batch), headers=headers)
                except httpx.HTTPError:
                    continue  # the server died mid-request: not acknowledged
                if r.status_code == 200:
                    assert r.json() == {"accepted": per_batch, "duplicates": 0, "suppressed": 0}
                    with lock:
                        acked.add(b)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-ingestion: the four clients are still sending
    proc.wait()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) >= 20, "the server acknowledged too little before the kill"
    assert sent - acked, "no request was in flight at the kill: the test proved nothing"

    # restart: the store opens (WAL replayed) and the server takes requests again
    proc = _start(ws, port, log)
    try:
        # clients retry what was not acknowledged: ids make the retries safe
        with httpx.Client(timeout=30) as c:
            for b in sorted(sent - acked):
                r = c.post(url, json=_batch(b, per_batch), headers=headers)
                assert r.status_code == 200
                assert r.json()["accepted"] + r.json()["duplicates"] == per_batch
            # an acknowledged batch sent again is all duplicates
            b = min(acked)
            assert c.post(url, json=_batch(b, per_batch), headers=headers).json() == {
                "accepted": 0, "duplicates": per_batch, "suppressed": 0}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()

    con = duckdb.connect(str(ws / "centric.duckdb"), read_only=True)
    rows = con.execute("SELECT event_id, count(*) FROM events WHERE event_id LIKE 'dur-%' GROUP BY 1").fetchall()
    con.close()
    counts = dict(rows)
    assert max(counts.values()) == 1  # exactly once
    want = {f"dur-{b}-{i}" for b in sent for i in range(per_batch)}
    assert set(counts) == want  # every acknowledged event, and every retried one, is there
