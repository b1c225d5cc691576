"""The error queue grouped by fix: each failed order event with what blocks it now, and whether a replay
would help yet.

A dead letter's deal is checked again with the order flow's own rules (order readiness): while a blocker
remains (the customer still on credit hold, the item still unknown, the account still not linked) a replay
would only fail again, so it is not offered; once the check finds no blocker, it is. Events are grouped by
the fix their blocker needs, so one fix (e.g. finance lifting one hold) shows every event it unblocks.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from app.domain.readiness import Readiness, ReadinessState, Severity
from app.errors import AppError
from app.orders.dead_letters import DeadLetter, DeadLetters
from app.orders.readiness import OrderReadiness
from app.tenants.model import Tenant

#: dead letters checked again per view (each check reads the CRM and the ERP; cached for READINESS_TTL)
MAX_CHECKED = 20
#: checks run at once
CHECK_THREADS = 4
#: the group of events whose blocker is gone (or that could not be checked)
READY_GROUP = "ready"


@dataclass(frozen=True)
class QueuedFailure:
    """A dead letter and what its deal's check says now."""

    dead_letter: DeadLetter
    #: the blocker's sentence (what to fix and who fixes it); "" when nothing blocks the order now
    blocker: str = ""
    blocker_reason: str = ""
    #: "" when checked; otherwise why the deal could not be checked (replay stays allowed)
    unchecked: str = ""

    @property
    def replay_allowed(self) -> bool:
        return not self.blocker


@dataclass
class FixGroup:
    """Failed events that need the same fix (``reason`` of the blocker; READY_GROUP when none blocks)."""

    reason: str
    fix: str
    failures: list[QueuedFailure] = field(default_factory=list)


def judge(dead_letter: DeadLetter, readiness: Readiness | None, error: str = "") -> QueuedFailure:
    """The dead letter as the error queue shows it, from its deal's readiness now (None: not checked)."""
    if readiness is None or readiness.state == ReadinessState.UNKNOWN:
        why = error or (readiness.items[0].message if readiness and readiness.items else "not checked")
        return QueuedFailure(dead_letter, unchecked=why)
    blockers = [i for i in readiness.items if i.severity == Severity.BLOCKER]
    if not blockers:
        return QueuedFailure(dead_letter)
    return QueuedFailure(dead_letter, blocker=blockers[0].message, blocker_reason=blockers[0].reason)


class ErrorQueue:
    """The tenant's dead letters, checked again and grouped by fix."""

    def __init__(self, dead_letters: DeadLetters, readiness: OrderReadiness):
        self.dead_letters = dead_letters
        self.readiness = readiness

    def check(self, tenant: Tenant, dead_letter: DeadLetter, *, fresh: bool = False) -> QueuedFailure:
        """One dead letter judged by its deal's readiness (``fresh``: checked now, not the cached check)."""
        if dead_letter.kind != "create_order":
            return QueuedFailure(dead_letter)
        try:
            readiness = (self.readiness.compute(tenant, dead_letter.crm_deal_id) if fresh
                         else self.readiness.check(tenant, dead_letter.crm_deal_id))
            return judge(dead_letter, readiness)
        except AppError as exc:          # e.g. the CRM no longer has the deal
            return judge(dead_letter, None, exc.detail)

    def groups(self, tenant: Tenant) -> list[FixGroup]:
        """Every dead letter (the newest MAX_CHECKED checked again), grouped by the fix it waits for; groups
        with a blocker first, the events a replay can help last."""
        letters = self.dead_letters.list(tenant.id)
        with ThreadPoolExecutor(max_workers=CHECK_THREADS, thread_name_prefix="error-queue") as pool:
            checked = list(pool.map(lambda d: self.check(tenant, d), letters[:MAX_CHECKED]))
        checked += [judge(d, None, "not checked again (too many failed events)") for d in letters[MAX_CHECKED:]]
        groups: dict[str, FixGroup] = {}
        for failure in checked:
            key = failure.blocker_reason or READY_GROUP
            group = groups.setdefault(key, FixGroup(key, failure.blocker or "Nothing blocks these orders now: "
                                                    "replay them."))
            group.failures.append(failure)
        return sorted(groups.values(), key=lambda g: (g.reason == READY_GROUP, g.reason))
