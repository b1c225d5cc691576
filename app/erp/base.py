"""The ERP connector interface and its typed errors.

Services talk to every ERP through ERPConnector and only ever see domain objects.
Errors are sorted so callers can decide without knowing the vendor:

* ERPRetriableError - try again later (network, timeout, 5xx, 429 + Retry-After);
* ERPFatalError     - retrying will not help (bad credentials, config, validation);
* ERPNotFoundError  - the customer/order/item does not exist in the ERP.

Messages must never contain credentials; connectors pass vendor text through
``safe_message`` helpers before raising.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.domain.credit import CustomerCredit
from app.domain.invoice import Invoice
from app.domain.order import OrderRequest, OrderResult
from app.domain.pricing import PriceQuote
from app.domain.stock import ItemInfo, StockLine
from app.errors import UpstreamError


class ERPError(UpstreamError):
    """Base of every ERP connector error."""

    reason = "erp_error"


class ERPRetriableError(ERPError):
    """Transient failure: the same call may succeed later."""

    retriable = True
    reason = "erp_unavailable"


class ERPRateLimited(ERPRetriableError):
    reason = "erp_rate_limited"


class ERPFatalError(ERPError):
    """Permanent failure: configuration, permissions or data the ERP rejects."""

    reason = "erp_rejected"


class ERPAuthError(ERPFatalError):
    reason = "erp_auth_failed"


class ERPValidationError(ERPFatalError):
    reason = "erp_validation_failed"


class ERPNotFoundError(ERPError):
    reason = "erp_not_found"


class MissingVendorField(ERPFatalError):
    """An ERP answer lacks a field the mapping needs (renamed by an upgrade, hidden by permissions)
    or carries a value that cannot be read. Never read as zero: the figure would be a lie."""

    reason = "erp_missing_field"

    def __init__(self, vendor: str, record: str, field: str, *, unreadable: bool = False,
                 status: int | None = None):
        problem = "sent an unreadable value for" if unreadable else "did not send"
        super().__init__(f"{vendor} {problem} the field '{field}' of {record}; an upgrade may have renamed it "
                         "or the API user's permissions may hide it", status=status)
        self.vendor, self.record, self.field = vendor, record, field


@dataclass(frozen=True)
class ConnectionCheck:
    """Outcome of a connection test shown to the admin."""

    ok: bool
    reason: str
    message: str
    details: dict[str, str] = field(default_factory=dict)


class ERPConnector(abc.ABC):
    """What the panel and the order flow need from an ERP.

    Implementations must put a timeout on every outbound call, retry only
    idempotent reads, and make create_order safe to call twice with the same
    external_ref (look up by external reference before creating).
    """

    #: short vendor name, used as the ``source`` of every read
    name: str = "erp"
    #: True when the connector retries its own idempotent reads (the HTTP connectors do, in ERPHttp);
    #: the panel retries reads of connectors that do not
    retries_reads: bool = False
    #: how many requests at once the vendor accepts from one account without rejecting or queueing
    #: them: connectors declare their vendor's default (citing it); the registry sets the tenant's
    #: own "concurrent ERP requests" setting on the instance it builds
    max_concurrent_requests: int = 8

    @abc.abstractmethod
    def check_connection(self) -> ConnectionCheck:
        """Verify URL, credentials and permissions; never raises for expected failures."""

    @abc.abstractmethod
    def get_credit(self, customer_id: str) -> CustomerCredit:
        """Credit limit, balance, overdue amount and hold state of one customer."""

    @abc.abstractmethod
    def list_stock(self, item_codes: Sequence[str] | None = None) -> list[StockLine]:
        """Stock per item and warehouse; all stocked items (bounded) when item_codes is None."""

    @abc.abstractmethod
    def list_invoices(self, customer_id: str, *, open_only: bool = True) -> list[Invoice]:
        """The customer's invoices, open ones only by default, oldest due first."""

    @abc.abstractmethod
    def get_prices(self, customer_id: str, item_codes: Sequence[str] | None = None) -> list[PriceQuote]:
        """Customer-specific prices; the customer's price list items when item_codes is None."""

    @abc.abstractmethod
    def find_order(self, external_ref: str) -> OrderResult | None:
        """The live (not cancelled) order carrying this external reference, if any."""

    @abc.abstractmethod
    def create_order(self, request: OrderRequest) -> OrderResult:
        """Create (and confirm/submit) a sales order; returns the existing one if the
        external reference is already used (``created_now`` False)."""

    @abc.abstractmethod
    def find_items(self, item_codes: Sequence[str]) -> dict[str, ItemInfo]:
        """The items among these codes the ERP knows, in ONE request (codes it does not know are absent).

        The order flow validates every line of a deal with this single read before it writes.
        """

    def create_order_after_lookup(self, request: OrderRequest) -> OrderResult:
        """Create the order when the caller has just asked ``find_order`` for its external reference
        (nothing live) and holds the deal's lock, so the connector need not look it up a second time.

        Default: ``create_order`` (which looks up again: correct, one round trip more). Connectors
        whose create_order starts with that lookup override this to skip it.
        """
        return self.create_order(request)

    def close(self) -> None:  # noqa: B027 - optional hook, most connectors hold nothing
        """Release pooled connections (optional)."""
