"""The settings page's customer search (Account links): its form values and its results."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.customer import CustomerQuery
from app.linking.service import LinkingUnavailable
from app.tenants.model import Tenant
from app.web.context import services

#: the search form's fields (GET parameters) -> CustomerQuery fields
SEARCH_FIELDS = {"customer_name": "name", "customer_tax_id": "tax_id", "customer_email_domain": "email_domain",
                 "customer_phone": "phone"}
#: longest value taken from a search field (longer input is cut, never an error page)
MAX_SEARCH_VALUE = 200
MATCHED_ON = {"name": "name", "tax_id": "tax id", "email_domain": "e-mail domain", "phone": "phone"}


def search_section(tenant: Tenant, args: Mapping[str, str]) -> dict[str, Any]:
    """The form as submitted, and when it names something: the matches or a sentence why there are none."""
    form = {key: str(args.get(key, ""))[:MAX_SEARCH_VALUE] for key in (*SEARCH_FIELDS, "for_account")}
    section: dict[str, Any] = {"form": form, "searched": False, "matches": [], "error": ""}
    query = CustomerQuery(name=form["customer_name"], tax_id=form["customer_tax_id"],
                          email_domain=form["customer_email_domain"], phone=form["customer_phone"])
    if query.empty:
        return section
    section["searched"] = True
    try:
        matches = services().linking.search(tenant.id, query)
    except LinkingUnavailable as exc:
        section["error"] = exc.detail
        return section
    section["matches"] = [{"customer": m.customer, "score": m.score, "strong": m.strong,
                           "matched_on": ", ".join(MATCHED_ON[k] for k in m.matched_on)} for m in matches]
    return section
