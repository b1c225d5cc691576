"""``erp-panel jobs ...``: list jobs and dead letters, replay them, show an audit trail."""
from __future__ import annotations

import sys

import click

from app.config import load_settings
from app.errors import ConfigError, NotFound
from app.ops.admin_audit import CLI_ACTOR
from app.orders.queue import Job
from app.services import Services, build_services
from app.storage.schema import upgrade


def _services() -> Services:
    try:
        services = build_services(load_settings())
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    upgrade(services.db)
    return services


def _print_jobs(jobs: list[Job]) -> None:
    if not jobs:
        click.echo("no jobs")
    for job in jobs:
        error = f"  {job.last_error_reason}: {job.last_error}" if job.last_error_reason else ""
        click.echo(f"{job.id:>6}  {job.status:<8} {job.kind:<13} tenant={job.tenant_id} deal={job.crm_deal_id} "
                   f"attempts={job.attempts}/{job.max_attempts}{error}")


@click.group()
def jobs() -> None:
    """Closed-won order jobs: list, dead letters, replay, audit trail."""


@jobs.command("list")
@click.option("--status", type=click.Choice(["queued", "running", "done", "dead"]))
@click.option("--tenant", "tenant_id", help="Only this tenant id.")
@click.option("--limit", default=50, show_default=True)
def list_jobs(status: str | None, tenant_id: str | None, limit: int) -> None:
    """List jobs, newest first."""
    _print_jobs(_services().orders.queue.list(tenant_id=tenant_id, status=status, limit=limit))


@jobs.command("dead")
@click.option("--tenant", "tenant_id", help="Only this tenant id.")
def dead(tenant_id: str | None) -> None:
    """List dead letters with their reasons."""
    _print_jobs(_services().orders.queue.list(tenant_id=tenant_id, status="dead", limit=500))


@jobs.command("replay")
@click.argument("job_id", type=int, required=False)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
@click.option("--tenant", "tenant_id", help="Only this tenant id.")
def replay(job_id: int | None, replay_all: bool, tenant_id: str | None) -> None:
    """Put a dead letter (or all of them) back in the queue."""
    dead_letters = _services().orders.dead_letters
    if replay_all == (job_id is not None):
        click.echo("error: give a JOB_ID or --all", err=True)
        sys.exit(2)
    if replay_all:
        click.echo(f"replayed {len(dead_letters.replay_all(tenant_id, CLI_ACTOR))} dead letters")
        return
    try:
        dead_letters.replay(tenant_id, job_id, CLI_ACTOR)
    except NotFound:
        click.echo(f"error: job {job_id} is not a dead letter", err=True)
        sys.exit(1)
    click.echo(f"replayed job {job_id}")


@jobs.command("audit")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@click.option("--deal", "deal_id", help="CRM deal id.")
@click.option("--event", "event_id", help="CRM event id.")
def audit(tenant_id: str, deal_id: str | None, event_id: str | None) -> None:
    """Show every step for a deal or an event."""
    if not deal_id and not event_id:
        click.echo("error: give --deal or --event", err=True)
        sys.exit(2)
    entries = _services().orders.audit.trail(tenant_id, crm_deal_id=deal_id, event_id=event_id)
    if not entries:
        click.echo("no audit entries")
    for e in entries:
        click.echo(f"{e.at.isoformat()}  {e.correlation_id[:12]}  job={e.job_id}  {e.step:<11} {e.outcome:<16} "
                   f"{e.detail}")


def _duration(seconds: float) -> str:
    """A short human duration: 45 s, 16 min, 2 h 5 min."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@jobs.command("schedule")
def schedule() -> None:
    """Print the retry schedule the current settings give (JOB_MAX_ATTEMPTS, JOB_BACKOFF_*)."""
    from app.config import load_settings
    from app.errors import ConfigError
    from app.orders.retry import Backoff
    try:
        s = load_settings()
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    backoff = Backoff(base=s.job_backoff_base, cap=s.job_backoff_cap, floor=s.job_backoff_floor)
    rows = backoff.schedule(s.job_max_attempts)
    click.echo("attempt 1: at once")
    for attempt, low, high in rows:
        click.echo(f"attempt {attempt}: {_duration(low)} to {_duration(high)} after the previous one")
    longest = sum(high for _, _, high in rows)
    click.echo(f"last attempt {_duration(backoff.survives(s.job_max_attempts))} to {_duration(longest)} after "
               f"the first: a won deal outlives an ERP outage of {_duration(backoff.survives(s.job_max_attempts))}")

