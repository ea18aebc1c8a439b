"""Errors of the churn package.

``NotEnoughDataError`` belongs in :mod:`centric.exceptions` next to its
parent; it lives here until the tree is updated, and is re-exported from
:mod:`centric.churn`.
"""

from __future__ import annotations

from centric.exceptions import InputError

__all__ = ["NotEnoughDataError"]


class NotEnoughDataError(InputError):
    """Too few customers (or too few churners / stayers) to train or evaluate a model honestly."""
