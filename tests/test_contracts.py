"""Contract tests: exports are sorted and complete, settings documented, the core imports no face."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import centric

SRC = Path(centric.__file__).parent
PUBLIC = ["centric", "centric.store", "centric.identity", "centric.ingest", "centric.metrics", "centric.report",
          "centric.demo", "centric.clv", "centric.personas", "centric.churn", "centric.journeys", "centric.exceptions",
          "centric.schema", "centric.i18n",
          "centric.privacy", "centric.surveys", "centric.recommend", "centric.activation"]


def _isort_key(name: str) -> tuple[int, str]:
    """CONSTANTS, then Classes, then functions (ruff RUF022's isort-style order)."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("name", PUBLIC)
def test_all_is_sorted_and_resolves(name):
    mod = importlib.import_module(name)
    names = list(mod.__all__)
    assert names == sorted(names, key=_isort_key), f"{name}.__all__ not sorted (isort style, as ruff RUF022)"
    for n in names:
        assert hasattr(mod, n), f"{name}.{n} in __all__ but missing"


def test_settings_are_documented():
    from centric.config import SETTINGS_DOC

    readme = (SRC.parents[1] / "README.md").read_text("utf-8")
    for key in SETTINGS_DOC:
        assert key in readme, f"{key} is not documented in README.md"


FACES = ("centric.cli", "centric.web")


def test_core_never_imports_a_face():
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts)
        if module.startswith(FACES) or module == "centric.__main__":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module]
            offenders += [f"{module} imports {t}" for t in targets if t.startswith(FACES) or t in ("typer", "rich")]
    assert not offenders, offenders


def test_every_module_imports():
    for info in pkgutil.walk_packages([str(SRC)], prefix="centric."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


def test_exceptions_subclass_builtins():
    from centric import exceptions as E

    for name in E.__all__:
        cls = getattr(E, name)
        if name.endswith("Error") and cls is not E.CentricError:
            assert issubclass(cls, E.CentricError)
            assert any(issubclass(cls, b) for b in (ValueError, RuntimeError, AttributeError, ImportError, LookupError))
