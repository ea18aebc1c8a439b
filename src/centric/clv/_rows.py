"""Distinct rows of NumPy columns: hashing once per column, a mixed-radix key, an inverse index.

Everything per customer in ``centric.clv`` is computed on the distinct
(frequency, recency, T) rows and broadcast back, so finding them fast matters:
a million rows take a few tens of milliseconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["cached_unique", "unique_rows"]


def _codes(values: np.ndarray, sort: bool) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and uniques of one column; whole numbers in a short range need no hashing."""
    if values.dtype.kind in "iuf" and len(values) > 4096:
        lo, hi = values.min(), values.max()
        if np.isfinite(hi) and float(lo).is_integer() and hi - lo < min(len(values), 1 << 20):
            c = (values - lo).astype(np.int64)
            if values.dtype.kind != "f" or np.array_equal(c, values - lo):
                return c, np.arange(int(hi - lo) + 1, dtype=values.dtype) + lo  # unused values are harmless
    c, u = pd.factorize(values, sort=sort, use_na_sentinel=False)
    return c, np.asarray(u)


def unique_rows(
    columns: dict[str, np.ndarray],
    weights: np.ndarray | None = None,
    *,
    inverse: bool = True,
    sort: bool = True,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of equal-length columns: ``(unique columns, weights, inverse index)``.

    Per column, integer codes (``pandas.factorize``, or the values themselves for
    whole numbers in a short range), combined into one mixed-radix key. When the
    key space is small (the usual case: few distinct frequencies, recencies and
    ages) the distinct keys are found with ``bincount`` over it; otherwise the
    keys are factorized again. A million rows take a few tens of milliseconds.
    ``sort=True`` returns the rows in lexicographic order; ``inverse=False``
    skips the inverse index.
    """
    n = len(next(iter(columns.values()))) if columns else 0
    if n == 0:
        return {k: np.asarray(v)[:0] for k, v in columns.items()}, np.zeros(0), np.zeros(0, np.int64)
    codes, uniques = [], []
    for values in columns.values():
        c, u = _codes(np.asarray(values), sort)
        codes.append(c)
        uniques.append(u)
    size = 1
    for u in uniques:
        size *= len(u)
    if size <= max(4 * n, 1 << 22):  # dense key space: bincount, sorted for free
        key = codes[0].astype(np.int64)
        for c, u in zip(codes[1:], uniques[1:], strict=True):
            key *= len(u)
            key += c
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        w = counts[present].astype(float) if weights is None else np.bincount(key, weights, size)[present]
        inv = np.zeros(0, np.int64)
        if inverse:
            slot = np.empty(size, np.int32 if len(present) < 2**31 else np.int64)
            slot[present] = np.arange(len(present))
            inv = slot[key]
        rem, parts = present, []
        for u in reversed(uniques[1:]):
            rem, c = np.divmod(rem, len(u))
            parts.append(c)
        parts.append(rem)
        uniq = {k: u[c] for k, u, c in zip(columns, uniques, reversed(parts), strict=True)}
        return uniq, w, inv
    combined = codes[0].astype(np.int64)
    for c, u in zip(codes[1:], uniques[1:], strict=True):
        combined, _ = pd.factorize(combined * len(u) + c)
    m = int(combined.max()) + 1
    first = np.empty(m, dtype=np.int64)
    first[combined[::-1]] = np.arange(n - 1, -1, -1)
    order = np.lexsort(tuple(c[first] for c in reversed(codes))) if sort else np.arange(m)
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(m)
    w = np.bincount(combined, weights=weights, minlength=m).astype(float)[order]
    uniq = {k: np.asarray(v)[first[order]] for k, v in columns.items()}
    return uniq, w, rank[combined] if inverse else np.zeros(0, np.int64)


def cached_unique(d: dict[str, Any], *keys: str) -> tuple[Any, np.ndarray]:
    """Distinct values of ``d[keys]`` and the inverse index, cached in ``d`` across evaluations."""
    ck = "_u_" + "|".join(keys)
    if ck not in d:
        if len(keys) == 1:
            inv, u = pd.factorize(d[keys[0]], sort=True)
            d[ck] = (np.asarray(u), inv)
        else:
            uniq, _, inv = unique_rows({k: d[k] for k in keys})
            d[ck] = (uniq, inv)
    return d[ck]  # type: ignore[no-any-return]
