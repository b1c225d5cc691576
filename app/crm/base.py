"""The CRM connector interface used by the order flow and the widget session.

A CRM adapter does three things for the core: verify a widget credential
(who is looking, in which installation), read a won deal with its lines and
account, and write the ERP order number/status (or a failure reason) back.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass

from app.domain.deal import Deal
from app.errors import UpstreamError


class CRMError(UpstreamError):
    """Base of CRM connector errors."""

    reason = "crm_error"


class CRMRetriableError(CRMError):
    retriable = True
    reason = "crm_unavailable"


class CRMRateLimited(CRMRetriableError):
    reason = "crm_rate_limited"


class CRMFatalError(CRMError):
    reason = "crm_rejected"


class CRMAuthError(CRMFatalError):
    reason = "crm_auth_failed"


class CRMNotFoundError(CRMError):
    reason = "crm_not_found"


@dataclass(frozen=True)
class WidgetIdentity:
    """Who opened a widget, taken only from a verified CRM credential."""

    crm: str
    crm_account_key: str          # the CRM installation (Pipedrive companyId, HubSpot portalId, demo company)
    user_id: str
    object_type: str = ""         # "organization", "deal", "company", ...
    object_id: str = ""           # set only when the credential itself names the record


@dataclass(frozen=True)
class WriteBack:
    """What to write onto the deal after (or instead of) creating the order."""

    order_number: str | None
    status_text: str
    failure_reason: str | None = None
    erp_status: str = ""


class CRMConnector(abc.ABC):
    """Per-tenant CRM API client used by the worker."""

    name: str = "crm"

    @abc.abstractmethod
    def get_deal(self, crm_deal_id: str) -> Deal:
        """The deal as the CRM has it now, with line items and its account (company/organization)."""

    @abc.abstractmethod
    def write_back(self, crm_deal_id: str, update: WriteBack, *, correlation_id: str = "") -> None:
        """Write order number/status or a plain-language failure reason onto the deal (idempotent)."""
