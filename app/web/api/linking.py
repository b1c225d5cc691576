"""JSON admin API for account linking: search the ERP's customers (auth as the rest of the admin API)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.domain.customer import CustomerQuery
from app.linking.search import CustomerMatch
from app.web.admin.session import active_admin_tenant
from app.web.api.admin_ops import admin_operation
from app.web.api.linking_schemas import CustomerMatchesSchema, CustomerSearchQuerySchema
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
