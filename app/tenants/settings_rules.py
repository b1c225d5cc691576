"""Validation rules for admin-editable tenant settings (no I/O, no HTTP).

Every rejected value becomes an ``Issue`` (field, reason code, plain sentence) so
the settings page can show the sentence next to the field and the admin API can
return the same reasons in problem+json. Nothing is silently dropped: a value is
either accepted as given (after trimming whitespace) or reported.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.errors import ValidationFailed
from app.storage.limits import declared_length
from app.tenants.model import DEFAULT_STATUS_TRANSLATIONS
from app.tenants.tables import account_links

#: credit-hold policy -> label shown to the admin
CREDIT_HOLD_POLICIES: dict[str, str] = {
    "block": "Block the order and report the credit hold on the deal",
    "create_and_flag": "Create the order anyway and flag the credit hold on the deal",
}

#: canonical order fields an admin may fill from a CRM deal field (key -> label).
#: The order flow fills ``title``/``order_date``/``delivery_date`` and passes the rest in OrderRequest.extra.
ORDER_MAPPING_FIELDS: dict[str, str] = {
    "delivery_date": "Requested delivery date",
    "order_date": "Order date",
    "po_reference": "Customer PO reference",
    "notes": "Order notes / remarks",
    "title": "Order title",
}

#: where a mapped value comes from (the grammar the order flow reads, app/orders/mapping.py):
#: a fixed deal/account attribute, ``field:<CRM deal field key>`` or ``literal:<text>``
MAPPING_SOURCE_NAMES = ("deal.title", "deal.id", "deal.currency", "deal.status", "account.name", "account.id")
MAPPING_SOURCE_PREFIXES = ("field:", "literal:")
MAPPING_SOURCE_HELP = ("Use field:<CRM deal field key> for a deal field, literal:<text> for fixed text, or one of "
                       + ", ".join(MAPPING_SOURCE_NAMES) + ".")

MAX_TEXT = 200
MAX_SETTING_VALUE = 2000
#: multi-line settings hold PEM keys (an RSA 4096 private key is about 3,300 characters)
MAX_MULTILINE_SETTING_VALUE = 10000
MAX_STOCK_ITEMS = 50
MAX_ITEM_CODE = 140
#: the account-link columns' own lengths, so the form says so before the insert would refuse it
MAX_CRM_ACCOUNT_ID = declared_length(account_links.c.crm_account_id)
MAX_ERP_CUSTOMER_ID = declared_length(account_links.c.erp_customer_id)


@dataclass(frozen=True)
class Issue:
    """One rejected input: which field, a stable reason code and a plain sentence."""

    field: str
    reason: str
    message: str


class SettingsInvalid(ValidationFailed):
    """Some submitted settings were rejected; carries every issue, not just the first."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        reasons = sorted({i.reason for i in self.issues})
        errors: dict[str, list[str]] = {}
        for issue in self.issues:
            errors.setdefault(issue.field, []).append(issue.message)
        super().__init__(" ".join(i.message for i in self.issues),
                         reason=reasons[0] if len(reasons) == 1 else "invalid_settings",
                         extra={"errors": errors, "reasons": {i.field: i.reason for i in self.issues}})

    def by_field(self) -> dict[str, list[str]]:
        """Plain sentences per field, for showing next to form inputs."""
        out: dict[str, list[str]] = {}
        for issue in self.issues:
            out.setdefault(issue.field, []).append(issue.message)
        return out


def raise_if(issues: list[Issue]) -> None:
    if issues:
        raise SettingsInvalid(issues)


def clean_text(value: Any, field: str, label: str, issues: list[Issue], *, required: bool = True,
               max_length: int = MAX_TEXT) -> str:
    """Trimmed text, or an issue when it is missing, not text or too long."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        issues.append(Issue(field, "not_text", f"{label} must be text."))
        return ""
    text = value.strip()
    if required and not text:
        issues.append(Issue(field, "missing_required_field", f"{label} is required."))
    elif len(text) > max_length:
        issues.append(Issue(field, "too_long", f"{label} is longer than {max_length} characters."))
    return text


def check_credit_policy(value: Any, issues: list[Issue]) -> str:
    if value not in CREDIT_HOLD_POLICIES:
        issues.append(Issue("credit_hold_policy", "unknown_credit_policy",
                            f"Credit-hold policy must be one of: {', '.join(CREDIT_HOLD_POLICIES)}."))
    return str(value)


def _allowed_entries(value: Any, name: str, allowed: Collection[str], reason: str, unknown: str,
                     issues: list[Issue]) -> list[tuple[str, Any, str]]:
    """(key, value, field name) of a mapping's entries with allowed keys; reports the others."""
    if not isinstance(value, dict):
        issues.append(Issue(name, "not_a_mapping", f"'{name}' must map names to text."))
        return []
    entries = []
    for key, item in value.items():
        field = f"{name}.{key}"
        if key in allowed:
            entries.append((key, item, field))
        else:
            issues.append(Issue(field, reason, unknown.format(key=key, allowed=", ".join(allowed))))
    return entries


def check_status_translations(value: Any, issues: list[Issue]) -> dict[str, str]:
    """Canonical status -> CRM text; every key must be a known canonical status."""
    entries = _allowed_entries(value, "status_translations", DEFAULT_STATUS_TRANSLATIONS, "unknown_status",
                               "'{key}' is not an order status; known statuses: {allowed}.", issues)
    return {status: clean_text(text, field, f"The CRM text for status '{status}'", issues, max_length=100)
            for status, text, field in entries}


def check_field_mapping(value: Any, issues: list[Issue]) -> dict[str, str]:
    """Canonical order field -> value source; keys must be in ORDER_MAPPING_FIELDS, sources well-formed."""
    entries = _allowed_entries(value, "field_mapping", ORDER_MAPPING_FIELDS, "bad_field_mapping_key",
                               "'{key}' is not an order field that can be mapped; choose one of: {allowed}.",
                               issues)
    out = {}
    for key, source, field in entries:
        label = f"The source of '{ORDER_MAPPING_FIELDS[key]}'"
        text = clean_text(source, field, label, issues)
        if text and not _is_mapping_source(text):
            issues.append(Issue(field, "bad_field_mapping_source", f"{label} '{text}' is not understood. "
                                + MAPPING_SOURCE_HELP))
        out[key] = text
    return out


def _is_mapping_source(source: str) -> bool:
    if source in MAPPING_SOURCE_NAMES:
        return True
    prefix = next((p for p in MAPPING_SOURCE_PREFIXES if source.startswith(p)), None)
    return prefix is not None and bool(source[len(prefix):].strip())


def check_percent(value: Any, field: str, label: str, issues: list[Issue]) -> str:
    """A percentage from 0 to 100 (text or number), kept as its decimal text."""
    text = str(value).strip().replace(",", ".") if isinstance(value, str | int | float) and \
        not isinstance(value, bool) else ""
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100) or len(text) > 12:
        issues.append(Issue(field, "not_a_percentage", f"{label} must be a number from 0 to 100 (percent)."))
        return ""
    return format(number.normalize(), "f")


def check_minutes(value: Any, field: str, label: str, issues: list[Issue]) -> str:
    """Whole minutes from 1 to 1440 (a day), kept as text."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isdigit() or not 1 <= int(text) <= 1440:
        issues.append(Issue(field, "not_minutes", f"{label} must be a whole number of minutes from 1 to 1440."))
        return ""
    return str(int(text))


def check_stock_items(value: Any, issues: list[Issue]) -> list[str]:
    """Item codes shown in the panel's stock section (order kept, duplicates removed)."""
    if not isinstance(value, list | tuple):
        issues.append(Issue("stock_items", "not_a_list", "Stock items must be a list of item codes."))
        return []
    out: list[str] = []
    for code in value:
        text = clean_text(code, "stock_items", "An item code", issues, max_length=MAX_ITEM_CODE)
        if text and text not in out:
            out.append(text)
    if len(out) > MAX_STOCK_ITEMS:
        issues.append(Issue("stock_items", "too_many_items",
                            f"Show at most {MAX_STOCK_ITEMS} stock items (got {len(out)})."))
    return out
