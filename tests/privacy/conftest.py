"""Privacy test fixtures."""

from __future__ import annotations

import warnings

# starlette warns (a UserWarning) that its TestClient prefers httpx2 over the httpx that ci pins;
# import it once here with that one warning silenced (pytest runs with filterwarnings = error)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import fastapi.testclient  # noqa: F401
