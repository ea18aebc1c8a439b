"""Orchestration: simulate the world block by block and stream it to the export and truth files.

The world is simulated in blocks of :data:`BLOCK` customers. Block ``k`` draws from its own
random stream ``default_rng([seed, k])`` and global counters (customer codes, order numbers,
event ids, ...) run on from block to block, so the output depends only on ``seed``, ``scale``
and the window: ``chunk_size`` (how many customers are buffered before the files are written)
changes memory use, never a byte of output.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from centric.demo._common import Window
from centric.demo._truth import truth_params
from centric.demo._world import BLOCK, World
from centric.exceptions import InvalidParameterError

CUSTOMERS_PER_SF = 100_000

Progress = Callable[[int, "int | None", str], None]


@dataclass(frozen=True)
class DemoWorld:
    """What :func:`generate` wrote: exports, ground truth, row counts and the true parameters."""

    exports_dir: Path
    truth_dir: Path
    files: list[Path]
    counts: dict[str, int]
    params: dict[str, Any] = field(repr=False)
    seconds: float


def generate(
    out_dir: str | Path,
    *,
    scale: float = 0.01,
    seed: int = 42,
    start: str = "2024-01-01",
    end: str = "2025-12-31",
    progress: Progress | None = None,
    chunk_size: int = 5_000,
) -> DemoWorld:
    """Simulate a Vietnamese omnichannel retailer and write its exports and the ground truth.

    Parameters
    ----------
    out_dir
        Folder to write into; ``exports/`` and ``truth/`` are created inside it.
    scale
        Scale factor: SF 1 is about 100,000 customers, 1M orders and 5M events.
    seed
        Seed of every random draw: the same seed writes byte-identical files.
    start, end
        First and last day (inclusive, local time Asia/Ho_Chi_Minh) of the observation window.
    progress
        Optional ``callable(advance, total, description)`` called after each block of customers.
    chunk_size
        Customers buffered in memory before the files are written (memory, not output).

    Examples
    --------
    >>> world = generate("demo-data", scale=0.01)  # doctest: +SKIP
    >>> world.counts["pos_orders.csv"]  # doctest: +SKIP
    """
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise InvalidParameterError(
            f"The 'scale' parameter of generate must be a number > 0. Got {scale!r} instead."
        )
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InvalidParameterError(
            f"The 'chunk_size' parameter of generate must be an int >= 1. Got {chunk_size!r} instead."
        )
    try:
        window = Window(np.datetime64(start, "s"), np.datetime64(end, "D").astype("datetime64[s]") + 86_400)
    except ValueError:
        raise InvalidParameterError(
            f"'start' and 'end' must be ISO dates like '2024-01-01'. Got start={start!r}, end={end!r}."
        ) from None
    if window.seconds < 7 * 86_400:
        raise InvalidParameterError(
            f"The window must span at least 7 days. Got start={start!r}, end={end!r}."
        )
    began = time.perf_counter()
    out = Path(out_dir)
    exports, truth = out / "exports", out / "truth"
    exports.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    n_total = max(1, round(CUSTOMERS_PER_SF * scale))
    world = World(seed=seed, n_total=n_total, window=window, exports=exports, truth=truth)
    blocks = math.ceil(n_total / BLOCK)
    every = max(1, math.ceil(chunk_size / BLOCK))
    for k in range(blocks):
        nb = min(BLOCK, n_total - k * BLOCK)
        world.block(k, nb)
        if (k + 1) % every == 0 or k == blocks - 1:
            world.flush()
        if progress is not None:
            progress(nb, n_total, "Simulating customers")
    files, counts = world.close()
    params = truth_params(world, n_total=n_total, scale=scale, start=start, end=end)
    (truth / "params.json").write_text(
        json.dumps(params, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    files.append(truth / "params.json")
    return DemoWorld(exports, truth, files, counts, params, time.perf_counter() - began)
