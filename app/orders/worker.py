"""The order worker: claims jobs from the queue and runs them through the order flow.

``erp-panel worker`` (Procfile) and ``erp-panel demo`` (in-process thread) call
``run_worker``; tests drive ``Worker.run_once`` directly with a FrozenClock.
"""
from __future__ import annotations

import logging
import os
import socket
import threading

from app.orders.queue import Job

log = logging.getLogger("erp_panel.orders")


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Worker:
    """One job at a time; several Workers (threads or processes) may share a database."""

    def __init__(self, services, worker_id: str | None = None):
        self.services = services
        self.orders = services.orders
        self.observer = services.ops.observer
        self.worker_id = worker_id or default_worker_id()

    def run_once(self) -> Job | None:
        """Claim and process one ready job; returns it, or None when nothing was ready.

        Only ``Exception`` is handled: a BaseException (a test's simulated crash,
        KeyboardInterrupt) leaves the job leased, exactly like a killed process.
        """
        job = self.orders.queue.claim(self.worker_id)
        if job is None:
            return None
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
        return job

    def drain(self, limit: int = 1000) -> int:
        """Run jobs until none is ready (or ``limit`` were run); returns how many ran."""
        count = 0
        while count < limit and self.run_once() is not None:
            count += 1
        return count


def run_worker(services, stop_event: threading.Event, *, worker_id: str | None = None,
               threads: int | None = None) -> None:
    """Process jobs until ``stop_event`` is set, with WORKER_THREADS threads (jobs mostly wait on the ERP).

    Each idle thread looks again every WORKER_POLL_INTERVAL seconds.
    """
    count = max(1, threads if threads is not None else services.settings.worker_threads)
    base_id = worker_id or default_worker_id()
    if count == 1:
        _loop(services, stop_event, base_id)
        return
    pool = [threading.Thread(target=_loop, args=(services, stop_event, f"{base_id}/{n}"),
                             name=f"order-worker-{n}", daemon=True) for n in range(count)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def _loop(services, stop_event: threading.Event, worker_id: str) -> None:
    worker = Worker(services, worker_id)
    interval = services.settings.worker_poll_interval
    log.info("order worker started", extra={"ctx": {"worker_id": worker.worker_id}})
    while not stop_event.is_set():
        try:
            busy = worker.run_once() is not None
        except Exception as exc:  # noqa: BLE001 - e.g. the database is briefly unreachable; keep running
            log.error("order worker could not claim a job", extra={"ctx": {"error_type": type(exc).__name__}})
            busy = False
        if not busy:
            # Idle: also finish cache flushes that waited for Redis (throttled inside the cache).
            services.cache.retry_deferred_flushes()
            stop_event.wait(interval)
    log.info("order worker stopped", extra={"ctx": {"worker_id": worker.worker_id}})
