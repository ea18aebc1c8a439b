"""Matrix factorisation for implicit feedback (ALS), through the ``implicit`` library.

Confidence ``c_ui = 1 + alpha · w_ui`` and preference ``p_ui = [w_ui > 0]``; the factors minimise
``Σ c_ui (p_ui − x_uᵀ y_i)² + λ (‖x‖² + ‖y‖²)`` by alternating least squares (conjugate gradient),
as in Hu, Koren & Volinsky. ``implicit.cpu.als`` is used explicitly, with BLAS limited to one
thread while fitting (the library's own advice).

References
----------
Hu, Koren, Volinsky (2008). Collaborative filtering for implicit feedback datasets. ICDM '08.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from centric.exceptions import InvalidParameterError
from centric.recommend._base import BaseRecommender

__all__ = ["ALSRecommender"]


class ALSRecommender(BaseRecommender):
    """Implicit-feedback ALS (``implicit.cpu.als.AlternatingLeastSquares``).

    Parameters
    ----------
    factors, regularization, alpha, iterations
        As in ``implicit``: latent dimensions, L2 penalty λ, confidence scale, ALS sweeps.
    random_state
        Seed of the factor initialisation.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": list("aabbc"), "product_id": list("xyxyx"), "weight": 1.0})
    >>> len(ALSRecommender(factors=2, iterations=3).fit(df).recommend(["c"], k=1))
    1
    """

    name = "als"

    def __init__(
        self,
        *,
        factors: int = 32,
        regularization: float = 0.05,
        alpha: float = 10.0,
        iterations: int = 15,
        random_state: int | None = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state

    def _fit(self, matrix: sp.csr_matrix) -> None:
        for name in ("factors", "iterations"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise InvalidParameterError(
                    f"The {name!r} parameter of ALSRecommender must be an int >= 1. Got {v!r} instead."
                )
        for name in ("regularization", "alpha"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 0):
                raise InvalidParameterError(
                    f"The {name!r} parameter of ALSRecommender must be a float in [0, inf). Got {v!r} instead."
                )
        self.model_ = fit_implicit_als(
            matrix, factors=self.factors, regularization=self.regularization, alpha=self.alpha,
            iterations=self.iterations, random_state=self.random_state,
        )
        self.user_factors_ = np.asarray(self.model_.user_factors)
        self.item_factors_ = np.asarray(self.model_.item_factors)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return self.user_factors_[rows] @ self.item_factors_.T


def fit_implicit_als(
    matrix: sp.csr_matrix,
    *,
    factors: int,
    regularization: float,
    alpha: float,
    iterations: int,
    random_state: int | None,
):  # type: ignore[no-untyped-def]
    """Fit ``implicit.cpu.als.AlternatingLeastSquares`` on a customer × product CSR matrix."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors, regularization=regularization, alpha=alpha, iterations=iterations,
            random_state=random_state, num_threads=1,
        )
        model.fit(sp.csr_matrix(matrix, dtype=np.float32), show_progress=False)
    return model
