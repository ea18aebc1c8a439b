"""Background jobs: ``analyze`` (pipeline + report) in a thread, with progress a page can poll.

The analysis writes derived tables, so it holds the store lock while it runs; API writes queue
behind it (and answer 503 "retry" if it takes longer than the writer's timeout). One analysis
runs at a time: asking again while one runs returns the running job.
"""

from __future__ import annotations

import datetime as _dt
import logging
import pickle
import threading
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Job", "JobRunner", "run_analysis"]

log = logging.getLogger("centric.web.jobs")
LATEST = "runs/latest.pkl"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One background job and its progress."""

    job_id: str
    kind: str
    status: str = "queued"  # queued | running | succeeded | failed
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    step: str | None = None
    steps_done: list[dict[str, Any]] = field(default_factory=list)
    progress: float = 0.0
    error: str | None = None
    result: dict[str, Any] | None = None
    started_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for GET /api/v1/jobs/{id}."""
        return {
            "job_id": self.job_id, "kind": self.kind, "status": self.status, "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at, "step": self.step,
            "steps_done": list(self.steps_done), "progress": round(self.progress, 3), "error": self.error,
            "result": self.result, "started_by": self.started_by,
        }


class _Task:
    def __init__(self, job: Job, description: str, total: int | None) -> None:
        self.job, self.description, self.total, self.done, self.notes = job, description, total, 0, []

    def advance(self, n: int = 1) -> None:
        self.done += n

    def note(self, text: str) -> None:
        self.notes.append(text)


class JobProgress:
    """A ``centric._progress.Progress`` that records steps into a :class:`Job`."""

    #: roughly how many steps an analysis has (for a progress fraction; capped below 1 until done)
    EXPECTED_STEPS = 12

    def __init__(self, job: Job) -> None:
        self.job = job

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[_Task]:
        """One step: shown as the job's current step, then listed with its notes."""
        self.job.step = description
        t = _Task(self.job, description, total)
        yield t
        self.job.steps_done.append({"step": description, "note": "; ".join(t.notes) or None})
        self.job.progress = min(0.95, len(self.job.steps_done) / self.EXPECTED_STEPS)


def run_analysis(store: Any, settings: Any, lang: str, progress: Any) -> dict[str, Any]:
    """What ``centric analyze`` does after importing: analyse, write the report, keep the results."""
    from centric.pipeline import analyze
    from centric.report import write_report

    results = analyze(store, tz=settings.timezone, progress=progress)
    with progress.task("Report / Báo cáo"):
        html, summary = write_report(results, settings.report_dir, lang=lang)
        runs = settings.workspace / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        with open(settings.workspace / LATEST, "wb") as fh:
            pickle.dump(results, fh)
    return {"run_id": results.run_id, "report": str(html), "summary": str(summary)}


class JobRunner:
    """Keeps jobs in memory (they are gone after a restart; their results are in the workspace)."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        """The job with this id, if any."""
        return self.jobs.get(job_id)

    def running(self, kind: str) -> Job | None:
        """A queued or running job of ``kind``."""
        return next((j for j in self.jobs.values() if j.kind == kind and j.status in ("queued", "running")), None)

    def start_analyze(self, state: Any, *, lang: str, actor: str | None = None) -> tuple[Job, bool]:
        """Start an analysis (or return the running one); ``(job, started_now)``."""
        with self._lock:
            current = self.running("analyze")
            if current is not None:
                return current, False
            job = Job(job_id="j_" + uuid.uuid4().hex[:12], kind="analyze", started_by=actor)
            self.jobs[job.job_id] = job
        threading.Thread(target=self._analyze, args=(job, state, lang), name=f"centric-{job.job_id}",
                         daemon=True).start()
        return job, True

    def _analyze(self, job: Job, state: Any, lang: str) -> None:
        job.status, job.started_at = "running", _now()
        try:
            with state.store_lock:
                job.result = run_analysis(state.store, state.settings, lang, JobProgress(job))
            job.status, job.progress = "succeeded", 1.0
        except Exception as exc:  # a failed job says why; the server keeps running
            log.error("analyze job %s failed:\n%s", job.job_id, traceback.format_exc())
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.step, job.finished_at = None, _now()
