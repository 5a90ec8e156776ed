"""Long work a person starts and follows (an import): run in a thread of the server, polled by the app.

A job belongs to the user who started it; nobody else can see or stop it.  Finished jobs are
kept for a while so that an app that was away (a dropped link) can still read the report.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KEEP_FINISHED = 3600.0


@dataclass
class Job:
    id: str
    user_id: int | None
    done: int = 0
    total: int = 0
    finished: bool = False
    result: Any = None
    error: str = ""
    stop: threading.Event = field(default_factory=threading.Event)
    finished_at: float = 0.0


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(
        self, user_id: int | None, work: Callable[[Job], Any], describe_error: Callable[[BaseException], str]
    ) -> Job:
        job = Job(id=secrets.token_hex(8), user_id=user_id)
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job

        def run() -> None:
            try:
                job.result = work(job)
            except BaseException as error:
                job.error = describe_error(error)
            finally:
                job.finished_at = time.monotonic()
                job.finished = True

        threading.Thread(target=run, name=f"kbase-job-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str, user_id: int | None) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.user_id == user_id else None

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id in [j.id for j in self._jobs.values() if j.finished and now - j.finished_at > KEEP_FINISHED]:
            del self._jobs[job_id]
