"""Creating a missing customer in the ERP from a CRM account, then linking the account to it.

Off unless the tenant's ``create_customers`` setting is on. The duplicate guard searches the ERP first (the
same search and ranking as "Find the ERP customer"): a strong match refuses the creation (409, reason
``duplicate_customer``, naming the match) unless the admin confirms. The new customer is linked through the
settings service's link save (checked against the ERP, audited as ``link.save``), its id written to the CRM
account's field, and the creation itself audited as ``customer.create``.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.domain.customer import CustomerQuery, ERPCustomer, NewCustomer
from app.domain.deal import Account
from app.errors import (
    Conflict,
    Forbidden,
    NotFound,
    UpstreamError,
    UpstreamNotFound,
    UpstreamNotSupported,
    UpstreamRejected,
    ValidationFailed,
)
from app.linking.service import unavailable
from app.storage.limits import require_no_nul
from app.tenants.settings_service import TenantSettingsService


@dataclass(frozen=True)
class CustomerDetails:
    """What the admin adds to the CRM account's own data (the CRM holds no tax id, currency or e-mail)."""

    tax_id: str = ""
    currency: str = ""
    email: str = ""


@dataclass(frozen=True)
class CreatedCustomer:
    """The customer created and linked, and a sentence when its id could not be written to the CRM."""

    crm_account_id: str
    customer: ERPCustomer
    crm_warning: str = ""


def new_customer(account: Account, details: CustomerDetails) -> NewCustomer:
    """The mapped fields: name and address from the CRM account, tax id, currency and e-mail from the admin."""
    return NewCustomer(account.name.strip(), address=account.address, city=account.city, country=account.country,
                       tax_id=details.tax_id.strip(), currency=details.currency.strip().upper(),
                       email=details.email.strip())


def read_account(settings: TenantSettingsService, tenant_id: str, crm_account_id: str) -> Account:
    """The CRM account as the CRM holds it now (NotFound / 503 with a sentence otherwise)."""
    tenant = settings.tenants.get(tenant_id)
    integration = settings.linking.crm.find(tenant.crm) if tenant else None
    if tenant is None or integration is None:
        raise NotFound("This installation's CRM is not available.", reason="crm_not_available")
    try:
        return integration.connector_for(tenant).get_account(crm_account_id)
    except UpstreamNotFound:
        raise NotFound(f"The CRM has no account '{crm_account_id}'.", reason="crm_account_not_found") from None
    except UpstreamError as exc:
        raise unavailable(exc, f"read account {crm_account_id} from the CRM") from None


def create_and_link(settings: TenantSettingsService, tenant_id: str, crm_account_id: str,
                    details: CustomerDetails, *, confirm: bool = False) -> CreatedCustomer:
    """Create the CRM account's customer in the ERP and link the account to it (see the module docstring)."""
    require_no_nul(crm_account_id, details.tax_id, details.currency, details.email)
    tenant = settings.tenants.get(tenant_id)
    if tenant is None or not tenant.settings.create_customers:
        raise Forbidden("Creating customers in the ERP is off for this installation; turn it on under Order "
                        "behaviour, or create the customer in the ERP and link it.", reason="customer_creation_off")
    linked = settings.tenants.list_links(tenant_id).get(crm_account_id)
    if linked:
        raise Conflict(f"CRM account '{crm_account_id}' is already linked to ERP customer {linked}.",
                       reason="already_linked")
    account = read_account(settings, tenant_id, crm_account_id)
    new = new_customer(account, details)
    if not new.name:
        raise ValidationFailed("The CRM account has no name, so no customer can be created from it.",
                               reason="account_without_name")
    query = CustomerQuery(name=new.name, tax_id=new.tax_id, email_domain=new.email or account.domain)
    strong = [m for m in settings.linking.search(tenant_id, query) if m.strong]
    if strong and not confirm:
        best = strong[0]
        raise Conflict(f"The ERP already has {best.customer.name} ({best.customer.customer_id}), which matches "
                       f"{new.name} on {', '.join(best.matched_on)}: link that customer, or confirm to create a "
                       "new one anyway.", reason="duplicate_customer",
                       extra={"matches": [m.customer.customer_id for m in strong]})
    connector = settings.linking.connector(tenant_id)
    try:
        created = connector.create_customer(new)
    except UpstreamNotSupported as exc:
        raise Conflict(exc.message, reason=exc.reason or "create_customer_not_supported") from None
    except UpstreamRejected as exc:
        raise ValidationFailed(f"The ERP refused the new customer: {exc.message.rstrip('.')}.",
                               reason="erp_rejected_customer") from None
    except UpstreamError as exc:
        raise unavailable(exc, "create the customer in the ERP") from None
    settings.audit.record(tenant_id, "customer.create", target=crm_account_id,
                          after={"erp_customer_id": created.customer_id, "erp_customer_name": created.name,
                                 "tax_id": new.tax_id, "currency": new.currency, "email": new.email,
                                 "confirmed_matches": [m.customer.customer_id for m in strong]})
    settings.link_account(tenant_id, crm_account_id, created.customer_id)
    warning = settings.linking.write_to_crm(tenant, crm_account_id, created.customer_id)
    return CreatedCustomer(crm_account_id, created, warning)
