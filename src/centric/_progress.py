"""Progress reporting seam: the core reports, faces (CLI, web) render.

The core never imports Rich or the CLI. Long steps take a ``Progress`` and
call ``progress.task(...)``; the CLI hands in a Rich implementation, tests
and library users get :class:`NullProgress` (or :class:`RecordingProgress`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["NullProgress", "Progress", "RecordingProgress", "Task"]


class Task(Protocol):
    """A running step."""

    def advance(self, n: int = 1) -> None:
        """Move the bar ``n`` units."""

    def note(self, text: str) -> None:
        """Say what the step did, in numbers (shown when it ends)."""


class Progress(Protocol):
    """Something that shows long work to a person."""

    def task(self, description: str, total: int | None = None) -> contextmanager[Task]:  # type: ignore[valid-type]
        """A context manager around one step."""
        ...


class _NullTask:
    def advance(self, n: int = 1) -> None:
        pass

    def note(self, text: str) -> None:
        pass


class NullProgress:
    """Shows nothing."""

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        yield _NullTask()


@dataclass
class _RecTask:
    description: str
    total: int | None
    advanced: int = 0
    notes: list[str] = field(default_factory=list)

    def advance(self, n: int = 1) -> None:
        self.advanced += n

    def note(self, text: str) -> None:
        self.notes.append(text)


@dataclass
class RecordingProgress:
    """Keeps every step and note (for tests and for the summary)."""

    tasks: list[_RecTask] = field(default_factory=list)

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        t = _RecTask(description, total)
        self.tasks.append(t)
        yield t
