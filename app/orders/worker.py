"""The order worker: claims jobs from the queue and runs them through the order flow.

``erp-panel worker`` (Procfile) and ``erp-panel demo`` (in-process thread) call ``run_worker``:
one dispatcher thread claims up to as many jobs as it has free job threads (one statement per
batch) and hands them to a pool of WORKER_THREADS threads. Why threads: the ERP connectors and
CRM clients are synchronous ``requests`` code behind the app/net outbound layer, and an order job
spends nearly all its time waiting on the ERP and the CRM - holding no database connection
meanwhile (each step opens a short transaction), so a job thread costs a stack and a socket, not
a connection. A pool of 32 such threads per process runs 32 orders at once with the default
database pool; asyncio or gevent would need the connectors rewritten or monkey-patched for no
gain at this scale. The dispatcher claims again as soon as a job finishes or a new job is
announced (in-process, or by PostgreSQL NOTIFY from other processes), else every
WORKER_POLL_INTERVAL seconds. Tests drive ``Worker.run_once`` directly with a FrozenClock.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from app.orders.queue import READY_CHANNEL, Job
from app.orders.wakeup import Wakeup, listen_for_jobs

if TYPE_CHECKING:   # the composition root builds the order services from this package
    from app.services import Services

log = logging.getLogger("erp_panel.orders")


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Runs claimed jobs; several Workers (threads or processes) may share a database."""

    def __init__(self, services: Services, worker_id: str | None = None):
        self.services = services
        self.orders = services.orders
        self.observer = services.ops.observer
        self.worker_id = worker_id or default_worker_id()

    def run_once(self) -> Job | None:
        """Claim and process one ready job in this thread; returns it, or None when nothing was ready."""
        job = self.orders.queue.claim(self.worker_id)
        if job is not None:
            self.run(job)
        return job

    def run(self, job: Job) -> None:
        """Process one claimed job; every failure is recorded as a retry or a dead letter.

        Only ``Exception`` is handled: a BaseException (a test's simulated crash,
        KeyboardInterrupt) leaves the job leased, exactly like a killed process.
        """
        try:
            with self.observer.scope(job.tenant_id):     # outbound calls count towards this tenant's budget
                self.orders.flow.run(job)
        except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
            status = self.orders.flow.fail(job, exc)
            self.observer.job_finished(job.tenant_id, job.kind, status or "lease_lost", exc)
            log.warning("job %s %s", job.id, status or "lease lost", extra={"ctx": {
                "job_id": job.id, "kind": job.kind, "tenant_id": job.tenant_id, "crm_deal_id": job.crm_deal_id,
                "correlation_id": job.correlation_id, "attempt": job.attempts, "status": status,
                "error_type": type(exc).__name__, "reason": getattr(exc, "reason", "")}})
        else:
            self.observer.job_finished(job.tenant_id, job.kind, "done", None)

    def drain(self, limit: int = 1000) -> int:
        """Run jobs until none is ready (or ``limit`` were run); returns how many ran."""
        count = 0
        while count < limit and self.run_once() is not None:
            count += 1
        return count


class WorkerPool:
    """A dispatcher thread feeding ``threads`` job threads (see the module docstring)."""

    def __init__(self, services: Services, *, threads: int, worker_id: str | None = None):
        self.services = services
        self.worker = Worker(services, worker_id)
        self.threads = max(1, threads)
        self.queue = services.orders.queue
        self.finished = Wakeup()            # notified after every job (tests wait on it, never sleep)
        self._busy = 0
        self._lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        """Claim and run jobs until ``stop`` is set, then let running jobs finish."""
        wakeup = self.queue.ready
        listener = self._listen(stop)
        def wake_on_stop() -> None:
            stop.wait()
            wakeup.notify()

        stopper = threading.Thread(target=wake_on_stop, name="order-worker-stop", daemon=True)
        stopper.start()
        interval = self.services.settings.worker_poll_interval
        log.info("order worker started", extra={"ctx": {"worker_id": self.worker.worker_id,
                                                        "threads": self.threads}})
        with ThreadPoolExecutor(self.threads, thread_name_prefix="order-job") as pool:
            while not stop.is_set():
                seen = wakeup.generation()
                claimed = self._claim()
                for job in claimed:
                    pool.submit(self._run, job)
                if not claimed and self.busy == 0:
                    # Idle: also finish cache flushes that waited for Redis (throttled inside the cache).
                    self.services.cache.retry_deferred_flushes()
                wakeup.wait(seen, interval)
        if listener is not None:
            listener.join(5)
        log.info("order worker stopped", extra={"ctx": {"worker_id": self.worker.worker_id}})

    @property
    def busy(self) -> int:
        with self._lock:
            return self._busy

    def _claim(self) -> list[Job]:
        free = self.threads - self.busy
        if free <= 0:
            return []
        try:
            jobs = self.queue.claim_batch(self.worker.worker_id, free)
        except Exception as exc:  # noqa: BLE001 - e.g. the database is briefly unreachable; keep running
            log.error("order worker could not claim jobs", extra={"ctx": {"error_type": type(exc).__name__}})
            return []
        with self._lock:
            self._busy += len(jobs)
        return jobs

    def _run(self, job: Job) -> None:
        try:
            self.worker.run(job)
        except BaseException:  # a crash of one job must not stop the pool's accounting
            log.exception("order job %s crashed", job.id)
        finally:
            with self._lock:
                self._busy -= 1
            self.queue.ready.notify()          # a thread is free: claim again
            self.finished.notify()

    def _listen(self, stop: threading.Event) -> threading.Thread | None:
        """On PostgreSQL, a thread LISTENing for jobs other processes enqueue."""
        db = self.services.db
        if not db.is_postgres:
            return None
        thread = threading.Thread(target=listen_for_jobs, args=(db.engine, READY_CHANNEL, self.queue.ready, stop),
                                  name="order-worker-listen", daemon=True)
        thread.start()
        return thread


def run_worker(services: Services, stop_event: threading.Event, *, worker_id: str | None = None,
               threads: int | None = None) -> None:
    """Process jobs until ``stop_event`` is set, WORKER_THREADS at a time (``threads`` overrides)."""
    count = threads if threads is not None else services.settings.worker_threads
    WorkerPool(services, threads=count, worker_id=worker_id).run(stop_event)
