"""Deal views of the widget API: order readiness of a deal (widget token; the tenant comes from the token)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.errors import Forbidden
from app.orders.present import readiness_dict
from app.orders.timeline import order_view
from app.web.context import WidgetCaller, services, widget_caller
from app.web.panel.deal_schemas import OrderTimelineSchema, ReadinessSchema
from app.web.problems import alt_problem

blp = Blueprint("deals", __name__, url_prefix="/api/v1/deals", description="Deal views for CRM widgets")

_AUTH: list[dict[str, list[str]]] = [{"widgetToken": []}]


def check_record(caller: WidgetCaller, crm_deal_id: str, crm_account_id: str) -> None:
    """A widget session bound to a record may read that record's deals only (the deal itself or its account)."""
    bound = caller.claims.object_id
    if bound and crm_account_id and bound not in (crm_deal_id, crm_account_id):
        raise Forbidden("This widget session is for another record", reason="wrong_record")


@blp.route("/<string:crm_deal_id>/readiness")
class DealReadiness(MethodView):
    @blp.doc(security=_AUTH)
    @blp.response(200, ReadinessSchema)
    @alt_problem(blp, 401, "Missing or invalid widget token")
    @alt_problem(blp, 403, "Token is for another record")
    @alt_problem(blp, 404, "The CRM has no such deal")
    def get(self, crm_deal_id: str) -> dict[str, Any]:
        """Order readiness of a deal: ready / warnings / blocked / could_not_check, each finding a sentence
        naming what to fix and who fixes it (cached briefly; never waits on the CRM or the ERP for long)."""
        caller = widget_caller()
        svc = services()
        readiness = svc.orders.readiness.check(caller.tenant, crm_deal_id)
        check_record(caller, crm_deal_id, readiness.crm_account_id)
        shown = svc.viewers.restrict_readiness(caller.tenant, caller.viewer, readiness)
        return readiness_dict(shown, svc.clock.now())


@blp.route("/<string:crm_deal_id>/order")
class DealOrder(MethodView):
    @blp.doc(security=_AUTH)
    @blp.response(200, OrderTimelineSchema)
    @alt_problem(blp, 401, "Missing or invalid widget token")
    @alt_problem(blp, 403, "Token is for another record")
    @alt_problem(blp, 404, "The deal has no ERP order")
    def get(self, crm_deal_id: str) -> dict[str, Any]:
        """The deal's ERP order after creation: its stage, deliveries, invoices and what is still owed, and
        the order timeline (every change with the time it was seen); read from erp-panel's records."""
        caller = widget_caller()
        svc = services()
        if caller.claims.object_id and caller.claims.object_id != crm_deal_id:
            # opened on an account: the deal must be one of that account's deals
            deal = svc.crm.connector_for(caller.tenant).get_deal(crm_deal_id)
            check_record(caller, crm_deal_id, deal.account.crm_account_id if deal.account else "")
        return order_view(svc.orders.records, caller.tenant, crm_deal_id)
