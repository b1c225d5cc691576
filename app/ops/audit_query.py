"""The admin audit's search filters (actor, action, time), read from text the same way for the
settings page's form and the admin API's query string."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.ops.admin_audit import ACTIONS, AdminAction, AdminAuditLog
from app.tenants.settings_rules import Issue, raise_if

#: rows a search shows; an export takes up to EXPORT_LIMIT
SHOW_LIMIT = 100
EXPORT_LIMIT = 1000
#: action families (``link`` for ``link.save`` and ``link.remove``) a filter may name besides the actions
FAMILIES = frozenset(name.split(".", 1)[0] for name in ACTIONS)


@dataclass(frozen=True)
class AuditQuery:
    """What to look for: an actor (exact user id), an action or family, a time range [since, until)."""

    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, values: Mapping[str, str]) -> AuditQuery:
        """``actor``, ``action``, ``since``, ``until`` (a date ``YYYY-MM-DD``, taken as UTC, ``until``
        including that day; or an ISO 8601 time). SettingsInvalid names each bad value."""
        issues: list[Issue] = []
        action = (values.get("action") or "").strip()
        if action and action not in ACTIONS and action not in FAMILIES:
            issues.append(Issue("action", "unknown_action", f"'{action[:60]}' is not an admin action."))
        since = _moment(values.get("since"), "since", issues, end_of_day=False)
        until = _moment(values.get("until"), "until", issues, end_of_day=True)
        if since and until and until <= since:
            issues.append(Issue("until", "empty_range", "The end of the time range is before its start."))
        raise_if(issues)
        return cls(actor=(values.get("actor") or "").strip()[:200], action=action, since=since, until=until)

    def run(self, log: AdminAuditLog, tenant_id: str | None, limit: int = SHOW_LIMIT) -> list[AdminAction]:
        """The matching actions of the installation, newest first."""
        return log.search(tenant_id, actor=self.actor or None, action=self.action or None,
                          since=self.since, until=self.until, limit=limit)

    def as_args(self) -> dict[str, str]:
        """The filters as query-string values (for the export link)."""
        return {k: v for k, v in (("actor", self.actor), ("action", self.action),
                                  ("since", self.since.isoformat() if self.since else ""),
                                  ("until", self.until.isoformat() if self.until else "")) if v}


def _moment(text: str | None, name: str, issues: list[Issue], *, end_of_day: bool) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        moment = datetime.fromisoformat(text)
    except ValueError:
        issues.append(Issue(name, "bad_time", f"'{text[:40]}' is not a date (YYYY-MM-DD) or an ISO 8601 time."))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
