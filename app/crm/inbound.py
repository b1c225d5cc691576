"""What a CRM sends us, without the web framework: a request to verify, the caller it proves, the events.

The web layer builds an :class:`InboundRequest` from each HTTP request (raw body, the public URL
the CRM addressed, headers, query); integrations verify it and answer a :class:`VerifiedCaller`
or a :class:`WebhookOutcome`. Nothing here imports Flask.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.events import DealLeftWon, DealWon
from app.errors import BadRequest


@dataclass(frozen=True)
class InboundRequest:
    """One HTTP request from a CRM, as received (the raw body is never re-serialised)."""

    method: str
    #: scheme + host + path + query exactly as the CRM addressed it (signatures cover it)
    url: str
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: values taken from the route, e.g. ``tenant_id`` of a per-tenant webhook URL
    path_params: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        """A header's value ("" when absent), case-insensitive."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), "")

    def arg(self, name: str) -> str:
        """The first value of a query parameter ("" when absent)."""
        values = self.query.get(name) or ()
        return values[0] if values else ""

    def json(self) -> Any:
        """The body as JSON; BadRequest when it is not."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise BadRequest("The request body is not JSON", reason="malformed_json") from None


@dataclass(frozen=True)
class VerifiedCaller:
    """Who is calling, taken only from a verified CRM credential or signed request."""

    crm: str
    #: the CRM installation: Pipedrive company id, HubSpot portal (hub) id, the demo company, ...
    installation_id: str
    user_id: str
    object_type: str = ""         # "organization", "deal", "company", ...
    object_id: str = ""           # set only when the credential itself names the record
    #: what else the verified credential says about the user (e-mail, role), for role-based figures
    user_context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Acknowledgement:
    """What the CRM gets back for a delivery it sent (JSON by default; a vendor may want XML)."""

    status: int
    body: str
    content_type: str = "application/json"


@dataclass
class WebhookOutcome:
    """What a verified delivery means: won deals, and how many events were not acted on (and why)."""

    won: list[DealWon] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    #: deals the delivery says moved away from won (reopened, lost): checked when their order exists
    left_won: list[DealLeftWon] = field(default_factory=list)

    @classmethod
    def of(cls, event: DealWon | None, *, otherwise: str) -> WebhookOutcome:
        """The outcome of a delivery carrying at most one event: it, or nothing ignored for ``otherwise``."""
        outcome = cls()
        if event is None:
            outcome.ignore(otherwise)
        else:
            outcome.won.append(event)
        return outcome

    def ignore(self, why: str, count: int = 1) -> None:
        self.ignored[why] = self.ignored.get(why, 0) + count
