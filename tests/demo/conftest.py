"""Fixtures of the demo tests: one SF 0.01 world for the session."""

from __future__ import annotations

import pytest

from centric.demo import generate


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("demo") / "w", scale=0.01, seed=42)
