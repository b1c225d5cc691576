"""JSON admin API for account linking: search the ERP's customers, create a missing one (auth as the rest of
the admin API)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.domain.customer import CustomerQuery
from app.linking.create import CustomerDetails, create_and_link
from app.linking.search import CustomerMatch
from app.web.admin.session import active_admin_tenant
from app.web.admin.view import settings_service
from app.web.api.admin_ops import admin_operation
from app.web.api.linking_schemas import (
    CreateCustomerRequestSchema,
    CreatedCustomerSchema,
    CustomerMatchesSchema,
    CustomerSearchQuerySchema,
)
from app.web.context import services
from app.web.csrf import protect_admin_blueprint
from app.web.problems import alt_problem

blp = protect_admin_blueprint(Blueprint(
    "admin_linking", __name__, url_prefix="/api/v1/admin",
    description="Admin: find the ERP customer each CRM account is"))
_admin_op = admin_operation(blp)


def match_body(match: CustomerMatch) -> dict[str, Any]:
    """One search result as the API and the settings page show it."""
    return {"customer": match.customer, "score": match.score, "strong": match.strong,
            "matched_on": list(match.matched_on)}


@blp.route("/erp-customers")
class ERPCustomers(MethodView):
    @_admin_op
    @blp.arguments(CustomerSearchQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, CustomerMatchesSchema)
    @alt_problem(blp, 503, "The ERP could not be searched (not connected, or it did not answer)")
    def get(self, tenant_id: str | None, **query: Any) -> dict[str, Any]:
        """ERP customers matching a name (fuzzy), tax id, e-mail domain or phone number, best first."""
        tenant = active_admin_tenant(tenant_id)
        matches = services().linking.search(tenant.id, CustomerQuery(**query))
        return {"matches": [match_body(m) for m in matches]}


@blp.route("/account-links/<string:crm_account_id>/erp-customer")
class CreateERPCustomer(MethodView):
    @_admin_op
    @blp.arguments(CreateCustomerRequestSchema)
    @blp.response(201, CreatedCustomerSchema)
    @alt_problem(blp, 403, "Creating customers is off for this installation (customer_creation_off)")
    @alt_problem(blp, 404, "The CRM has no such account")
    @alt_problem(blp, 409, "The ERP has a strong match (duplicate_customer, unless confirm), the account is already "
                           "linked, or the ERP cannot create customers through erp-panel")
    @alt_problem(blp, 422, "The ERP refused the new customer")
    @alt_problem(blp, 503, "The CRM or the ERP did not answer")
    def post(self, body: dict[str, Any], crm_account_id: str, tenant_id: str | None) -> dict[str, Any]:
        """Create the CRM account's customer in the ERP (name and address from the CRM account) after a search
        for duplicates, and link the account to it."""
        tenant = active_admin_tenant(tenant_id)
        confirm = bool(body.pop("confirm"))
        created = create_and_link(settings_service(), tenant.id, crm_account_id.strip(), CustomerDetails(**body),
                                  confirm=confirm)
        return {"crm_account_id": created.crm_account_id, "customer": created.customer,
                "message": created.crm_warning}
