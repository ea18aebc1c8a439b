"""The product catalogue: ~200 products in 10 categories, priced in VND."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from centric.demo import _vocab as V


@dataclass(frozen=True)
class Catalogue:
    """Products sorted by (category, price), so a price lookup is one ``searchsorted``."""

    product_id: np.ndarray
    name: np.ndarray
    category: np.ndarray  # int index into V.CATEGORIES
    brand: np.ndarray
    price: np.ndarray  # int64 VND
    cost: np.ndarray  # int64 VND
    cat_start: np.ndarray
    cat_stop: np.ndarray

    def __len__(self) -> int:
        return len(self.product_id)

    def nearest(self, rng: np.random.Generator, category: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Row of a product of ``category`` priced near ``target`` (one of its two neighbours)."""
        key = self.category.astype(np.float64) * 1e10 + self.price
        pos = np.searchsorted(key, category * 1e10 + target)
        pos = pos - (rng.random(len(pos)) < 0.5)
        return np.clip(pos, self.cat_start[category], self.cat_stop[category] - 1)


def make_catalogue(rng: np.random.Generator, n_products: int = 200) -> Catalogue:
    """Draw the catalogue (deterministic for a given ``rng`` state)."""
    weights = np.array([c[1] for c in V.CATEGORIES])
    per_cat = np.maximum(10, np.round(weights / weights.sum() * n_products)).astype(int)
    rows: list[tuple[int, str, str, int, int]] = []
    for ci, (cat, _w, (lo, hi), brands, nouns, variants) in enumerate(V.CATEGORIES):
        combos = [(b, nn, v) for b in brands for nn in nouns for v in variants]
        pick = rng.choice(len(combos), size=min(per_cat[ci], len(combos)), replace=False)
        prices = np.exp(rng.uniform(np.log(lo), np.log(hi), len(pick)))
        prices = np.maximum(np.round(prices / 10_000) * 10_000 - 1_000, 9_000).astype(np.int64)
        margins = rng.uniform(0.55, 0.70, len(pick))
        for k, price, m in zip(pick, prices, margins, strict=True):
            b, nn, v = combos[k]
            rows.append((ci, f"{nn} {v} {b}", b, int(price), int(round(price * m / 100) * 100)))
        del cat
    rows.sort(key=lambda r: (r[0], r[3], r[1]))
    cat = np.array([r[0] for r in rows], dtype=np.int64)
    stops = np.searchsorted(cat, np.arange(len(V.CATEGORIES)), side="right")
    starts = np.searchsorted(cat, np.arange(len(V.CATEGORIES)), side="left")
    return Catalogue(
        product_id=np.array([f"SP{i + 1:04d}" for i in range(len(rows))]),
        name=np.array([r[1] for r in rows]),
        category=cat,
        brand=np.array([r[2] for r in rows]),
        price=np.array([r[3] for r in rows], dtype=np.int64),
        cost=np.array([r[4] for r in rows], dtype=np.int64),
        cat_start=starts,
        cat_stop=stops,
    )
