"""The Centric exception tree.

Every exception subclasses :class:`CentricError` **and** the matching builtin,
so ``except ValueError`` keeps working for callers who do not know Centric::

    CentricError
    ├── ConfigError (ValueError)                 bad settings / URLs
    ├── StoreError (RuntimeError)                the store cannot be opened or written
    │   └── SchemaVersionError                   store written by a newer schema
    ├── InputError (ValueError)                  bad user input (files, columns, values)
    │   ├── MissingFileError (FileNotFoundError)
    │   ├── UnknownTableError                    a table name that is not canonical
    │   ├── EncodingError                        an unreadable file encoding
    │   ├── MappingError                         a column mapping that does not fit
    │   └── InvalidParameterError                a bad hyper-parameter / argument
    ├── NotFittedError (AttributeError)          estimator used before fit
    ├── ConvergenceError (RuntimeError)          an optimiser did not converge
    └── BackendNotInstalledError (ImportError)   optional dependency missing

Warnings: ``CentricWarning`` ← ``SmallSampleWarning``.
"""

from __future__ import annotations

__all__ = [
    "BackendNotInstalledError",
    "CentricError",
    "CentricWarning",
    "ConfigError",
    "ConvergenceError",
    "EncodingError",
    "InputError",
    "InvalidParameterError",
    "MappingError",
    "MissingFileError",
    "NotFittedError",
    "SchemaVersionError",
    "SmallSampleWarning",
    "StoreError",
    "UnknownTableError",
]


class CentricError(Exception):
    """Base class of every error Centric raises on purpose."""

    code: str | None = None


class ConfigError(CentricError, ValueError):
    """A setting or URL is not valid."""


class StoreError(CentricError, RuntimeError):
    """The store cannot be opened, read or written."""


class SchemaVersionError(StoreError):
    """The store was written by a newer schema than this Centric understands."""


class InputError(CentricError, ValueError):
    """The user's input (a file, a column, a value) is not acceptable."""


class MissingFileError(InputError, FileNotFoundError):
    """An input file does not exist."""


class UnknownTableError(InputError):
    """A table name is not one of the canonical tables."""


class EncodingError(InputError):
    """A file's text encoding is not one Centric can read."""


class MappingError(InputError):
    """A column mapping names a column that does not exist."""


class InvalidParameterError(InputError):
    """A parameter has a value outside what is allowed."""


class NotFittedError(CentricError, AttributeError):
    """An estimator was used before ``fit``."""


class ConvergenceError(CentricError, RuntimeError):
    """An optimiser did not converge."""


class BackendNotInstalledError(CentricError, ImportError):
    """An optional dependency (e.g. pyspark) is not installed."""


class CentricWarning(UserWarning):
    """Base class of Centric's warnings."""


class SmallSampleWarning(CentricWarning):
    """A metric was computed on fewer responses than its minimum n."""
