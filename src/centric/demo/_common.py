"""Small vectorised helpers shared by the demo generator modules."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import numpy as np

SECONDS_PER_DAY = 86_400
SECONDS_PER_WEEK = 7 * SECONDS_PER_DAY
UTC_OFFSET_SECONDS = 7 * 3_600  # Asia/Ho_Chi_Minh, no DST


@dataclass(frozen=True)
class Window:
    """The observation window, in local (Asia/Ho_Chi_Minh) time.

    Times inside the generator are int64 seconds since ``start`` (local midnight).
    """

    start: np.datetime64  # local naive, seconds
    end: np.datetime64  # exclusive: local midnight after the last day

    @property
    def seconds(self) -> int:
        return int((self.end - self.start) / np.timedelta64(1, "s"))

    @property
    def weeks(self) -> float:
        return self.seconds / SECONDS_PER_WEEK

    @property
    def start_epoch_local(self) -> int:
        """Seconds since 1970-01-01 of the local start, read as if it were UTC (for formatting)."""
        return int(self.start.astype("datetime64[s]").astype(np.int64))

    def utc_epoch(self, secs: np.ndarray) -> np.ndarray:
        """UTC epoch seconds of generator times ``secs``."""
        return np.asarray(secs, dtype=np.int64) + (self.start_epoch_local - UTC_OFFSET_SECONDS)


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """ASCII-fold Vietnamese text: drop the diacritics, map đ/Đ to d/D."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def weighted_choice(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=float)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def row_choice(rng: np.random.Generator, cum_rows: np.ndarray) -> np.ndarray:
    """One index per row from row-wise cumulative probabilities (last column == 1)."""
    u = rng.random(cum_rows.shape[0])
    return (cum_rows < u[:, None]).sum(axis=1).astype(np.int64)


def group_starts(counts: np.ndarray) -> np.ndarray:
    """Start offset of each group in the flat array made by ``np.repeat(..., counts)``."""
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def rank_in_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each group of the flat array made by ``np.repeat(..., counts)``."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(group_starts(counts), counts)


def group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``values`` restarting at each group."""
    cs = np.cumsum(values)
    starts = group_starts(counts)
    offset = np.zeros(len(counts), dtype=cs.dtype)
    nz = counts > 0
    offset[nz] = cs[starts[nz]] - values[starts[nz]]
    return cs - np.repeat(offset, counts)


def scramble(x: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of ``[0, modulus)`` (for modulus a power of 10 or 2): pseudo-random, collision-free ids."""
    mult = 6_364_136_223_846_793_005 % modulus
    while np.gcd(mult, 10) != 1 or mult % 2 == 0:
        mult += 1
    x = np.asarray(x, dtype=np.int64)
    return (x * mult + salt % modulus) % modulus


def hex48(x: np.ndarray, salt: int) -> list[str]:
    """Pseudonymous, collision-free 12-hex-digit ids for integers ``x``.

    Each step (add, multiply by an odd number, xor-shift) is a bijection modulo 2**48.
    """
    mask = (1 << 48) - 1
    out = []
    for v in np.asarray(x):
        y = ((int(v) + salt) * 0x9E3779B97F4B) & mask
        y ^= y >> 23
        y = (y * 0xC2B2AE3D27D5) & mask
        y ^= y >> 21
        out.append(f"{y:012x}")
    return out
