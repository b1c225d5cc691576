"""One harness per CRM integration so the same contract tests run against all of them.

A harness drives the integration through its vendor fake (``tests/fakes``): it installs it the way
the CRM does (OAuth consent, or the demo's seeding), puts a won deal with one line and a linked
account into the CRM, and builds the requests the CRM would send (a signed won-deal delivery, a
delivery that is not a win, a forged one, the credential a widget or card presents).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import responses

from app.crm.base import CRMIntegration
from app.crm.demo import signing
from app.crm.demo.integration import DemoIntegration
from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.webhook import SIGNATURE_HEADER, WON_EVENT
from app.crm.hubspot.integration import HubSpotIntegration
from app.crm.inbound import InboundRequest
from app.crm.oauth.flow import InstallStart
from app.crm.pipedrive.integration import PipedriveIntegration
from app.crm.pipedrive.mapping import FIELD_ERP_CUSTOMER, FIELD_ORDER_NUMBER, FIELD_ORDER_STATUS
from app.crm.salesforce.integration import SalesforceIntegration
from app.services import Services
from app.tenants.model import Tenant
from tests.fakes import hubspot as hs_fake
from tests.fakes import pipedrive as pd_fake
from tests.fakes import salesforce as sf_fake
from tests.fakes import salesforce_messages as sf_messages

PUBLIC = "https://erp-panel.test"


@dataclass
class CRMUnderTest:
    name: str
    integration: CRMIntegration
    #: an installed, active tenant of the CRM (after the CRM's own install)
    installed: Callable[[], Tenant]
    #: a won deal with one line and an account linked to an ERP customer; returns its id
    won_deal: Callable[[Tenant], str]
    #: what the CRM sends when that deal became won (event id given)
    won_delivery: Callable[[Tenant, str, str], InboundRequest]
    #: a verified delivery that is not a win
    other_delivery: Callable[[Tenant, str], InboundRequest]
    #: a delivery without the installation's credential or with a broken signature
    forged: Callable[[InboundRequest], InboundRequest]
    #: (order number, status text) the CRM now shows on the deal
    written: Callable[[Tenant, str], tuple[str, str]]
    #: the credential a widget presents (None: the CRM signs requests instead)
    widget_credential: Callable[[Tenant], str] | None = None
    #: a request the CRM signs for a panel/card (None: the CRM hands widget credentials instead)
    signed_request: Callable[[Tenant], InboundRequest] | None = None
    #: the vendor's consent screen: the code it sends back for this install start (OAuth CRMs)
    consent: Callable[[InstallStart], str] | None = None
    #: seconds after which the stored access token must have been refreshed (OAuth CRMs)
    token_lifetime: float = 0.0
    #: the account of ``won_deal`` and what the CRM's "ERP customer id" field of an account holds now
    account_id: str = ""
    account_field: Callable[[str], str | None] | None = None


def _flow_install(integration: CRMIntegration, consent: Callable[[InstallStart], str]) -> Tenant:
    assert integration.install is not None
    start = integration.install.start()
    result = integration.install.complete(code=consent(start), state=start.state, browser_state=start.state)
    return result.tenant


def demo_harness(services: Services, mock: responses.RequestsMock) -> CRMUnderTest:
    integration = services.crm.of_kind(DemoIntegration)
    assert integration is not None
    store = integration.store

    def won_deal(_tenant: Tenant) -> str:
        store.set_status(DEMO_COMPANY, "D-2001", "won")
        return "D-2001"

    def delivery(_tenant: Tenant, deal_id: str, event_id: str, event: str = WON_EVENT) -> InboundRequest:
        body = json.dumps({"event": event, "company": DEMO_COMPANY, "deal_id": deal_id, "event_id": event_id,
                           "occurred_at": services.clock.now().isoformat()}, separators=(",", ":")).encode()
        signature = signing.sign({"body_sha256": hashlib.sha256(body).hexdigest()}, store.key, services.clock)
        return InboundRequest("POST", PUBLIC + "/webhooks/demo", body, {SIGNATURE_HEADER: signature})

    def written(_tenant: Tenant, deal_id: str) -> tuple[str, str]:
        row = store.deal_row(DEMO_COMPANY, deal_id)
        return row["erp_order_number"], row["erp_order_status"]

    return CRMUnderTest(
        "demo", integration, installed=integration.ensure_installed, won_deal=won_deal,
        won_delivery=delivery, other_delivery=lambda t, d: delivery(t, d, "evt-other", event="deal.updated"),
        forged=lambda r: InboundRequest(r.method, r.url, r.body + b" ", r.headers),
        written=written, widget_credential=lambda _t: store.sign_widget_context(DEMO_COMPANY, "rep-1", "ACC-1001"),
        account_id="ACC-1001",
        account_field=lambda account: store.get_account(DEMO_COMPANY, account).erp_customer_id)


def pipedrive_harness(services: Services, mock: responses.RequestsMock) -> CRMUnderTest:
    integration = services.crm.of_kind(PipedriveIntegration)
    assert integration is not None
    fake = pd_fake.FakePipedrive(mock, services.clock, PUBLIC + "/pipedrive/oauth/callback")
    keys = {FIELD_ERP_CUSTOMER: fake.add_text_field("organization", "ERP customer ID"),
            FIELD_ORDER_NUMBER: fake.add_text_field("deal", "ERP order #"),
            FIELD_ORDER_STATUS: fake.add_text_field("deal", "ERP order status")}

    def installed() -> Tenant:
        tenant = _flow_install(integration, lambda _start: fake.authorization_code())
        tenant.settings.crm_fields = dict(keys)
        services.tenants.save_settings(tenant.id, tenant.settings)
        return services.tenants.get(tenant.id) or tenant

    def won_deal(_tenant: Tenant) -> str:
        fake.add_org(7, "ACME GmbH", erp_customer="CUST-0002")
        fake.company.products[501] = {"id": 501, "name": "Widget", "code": "SKU-1001"}
        fake.add_deal(42, 7, status="won", products=[{"id": 1, "product_id": 501, "name": "Widget", "item_price": 12.5,
                                                      "quantity": 2, "enabled_flag": True}])
        return "42"

    def delivery(tenant: Tenant, deal_id: str, event_id: str, previous: dict | None = None) -> InboundRequest:
        creds = services.tenants.get_crm_credentials(tenant.id)
        extra = creds.extra if creds else {}
        auth = pd_fake.basic_auth(extra.get("webhook_user", ""), extra.get("webhook_password", ""))
        body = json.dumps(fake.webhook_payload(deal_id, event_id=event_id, previous=previous)).encode()
        return InboundRequest("POST", f"{PUBLIC}/pipedrive/webhooks/{tenant.id}", body, {"Authorization": auth},
                              path_params={"tenant_id": tenant.id})

    def written(_tenant: Tenant, deal_id: str) -> tuple[str, str]:
        fields = fake.company.deals[int(deal_id)]["custom_fields"]
        return fields.get(keys[FIELD_ORDER_NUMBER]), fields.get(keys[FIELD_ORDER_STATUS])

    return CRMUnderTest(
        "pipedrive", integration, installed=installed, won_deal=won_deal, won_delivery=delivery,
        other_delivery=lambda t, d: delivery(t, d, "evt-other", previous={"title": "renamed"}),
        forged=lambda r: InboundRequest(r.method, r.url, r.body, {"Authorization": pd_fake.basic_auth("x", "y")},
                                        path_params=r.path_params),
        written=written, widget_credential=lambda _t: fake.sign_jwt(), consent=lambda _start: fake.authorization_code(),
        token_lifetime=fake.expires_in, account_id="7",
        account_field=lambda account: fake.company.organizations[int(account)].get("custom_fields", {}).get(
            keys[FIELD_ERP_CUSTOMER]))


def hubspot_harness(services: Services, mock: responses.RequestsMock) -> CRMUnderTest:
    integration = services.crm.of_kind(HubSpotIntegration)
    assert integration is not None
    fake = hs_fake.FakeHubSpot(mock).install()

    def consent(start: InstallStart) -> str:
        code, state = fake.approve(start.url)
        assert state == start.state
        return code

    def won_deal(tenant: Tenant) -> str:
        fake.add_company("201", "Acme Corporation", erp_customer_id="CUST-0002")
        fake.add_deal("501", stage="closedwon", company_id="201",
                      lines=[{"name": "Widget", "hs_sku": "SKU-1001", "quantity": 2, "price": "12.50"}])
        return "501"

    def signed(path: str, body: bytes, query: str = "") -> InboundRequest:
        url = PUBLIC + path + (f"?{query}" if query else "")
        headers = hs_fake.signed_headers("POST", url, body, int(services.clock.timestamp() * 1000))
        return InboundRequest("POST", url, body, headers,
                              query={k: tuple(v) for k, v in parse_qs(urlsplit(url).query).items()})

    def delivery(tenant: Tenant, deal_id: str, event_id: str, stage: str = "closedwon") -> InboundRequest:
        event = {"eventId": event_id, "subscriptionId": 25, "portalId": hs_fake.PORTAL_ID, "appId": 54321,
                 "occurredAt": int(services.clock.timestamp() * 1000), "subscriptionType": "deal.propertyChange",
                 "attemptNumber": 0, "objectId": int(deal_id), "propertyName": "dealstage", "propertyValue": stage,
                 "changeSource": "CRM"}
        return signed("/api/v1/hubspot/webhooks", json.dumps([event]).encode())

    def written(_tenant: Tenant, deal_id: str) -> tuple[str, str]:
        props = fake.deals[deal_id]["properties"]
        return props["erp_order_number"], props["erp_order_status"]

    card_query = urlencode({"portalId": hs_fake.PORTAL_ID, "userId": hs_fake.USER_ID, "appId": "54321"})
    return CRMUnderTest(
        "hubspot", integration, installed=lambda: _flow_install(integration, consent), won_deal=won_deal,
        won_delivery=lambda t, d, e: delivery(t, d, e),
        other_delivery=lambda t, d: delivery(t, d, "900", stage="appointmentscheduled"),
        forged=lambda r: InboundRequest(r.method, r.url, r.body + b" ", r.headers, query=r.query),
        written=written, consent=consent, token_lifetime=1800,
        signed_request=lambda _t: signed("/api/v1/hubspot/card",
                                         json.dumps({"objectTypeId": "0-2", "objectId": "201"}).encode(), card_query),
        account_id="201", account_field=lambda account: fake.companies[account]["properties"].get("erp_customer_id"))


def salesforce_harness(services: Services, mock: responses.RequestsMock) -> CRMUnderTest:
    integration = services.crm.of_kind(SalesforceIntegration)
    assert integration is not None
    fake = sf_fake.FakeSalesforce(mock).install()
    account_id, opportunity_id = "0015e000002AbCdAAK", "0065e000003AbCdAAK"

    def consent(start: InstallStart) -> str:
        code, state = fake.approve(start.url)
        assert state == start.state
        return code

    def won_deal(_tenant: Tenant) -> str:
        fake.add_account(account_id, "Acme Corporation", erp_customer_id="CUST-0002")
        fake.add_opportunity(opportunity_id, account_id, lines=[{"name": "Widget", "code": "SKU-1001", "quantity": 2,
                                                                 "price": 12.5}])
        return opportunity_id

    def delivery(tenant: Tenant, deal_id: str, event_id: str, won: bool = True) -> InboundRequest:
        url = integration.outbound_url(tenant)
        assert url is not None
        secret = url.rsplit("/", 1)[-1]
        body = sf_messages.outbound_message([(f"04l5e0000{event_id:0>9}", deal_id, won)])
        return InboundRequest("POST", url, body, {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
                              path_params={"tenant_id": tenant.id, "secret": secret})

    def written(_tenant: Tenant, deal_id: str) -> tuple[str, str]:
        record = fake.records["Opportunity"][deal_id]
        return record["ERP_Order_Number__c"], record["ERP_Order_Status__c"]

    def canvas(_tenant: Tenant) -> str:
        envelope = sf_messages.canvas_envelope(record={"Id": account_id, "Name": "Acme Corporation"},
                                               issued_at=int(services.clock.timestamp()))
        return sf_messages.signed_request(envelope)

    return CRMUnderTest(
        "salesforce", integration, installed=lambda: _flow_install(integration, consent), won_deal=won_deal,
        won_delivery=lambda t, d, e: delivery(t, d, e), other_delivery=lambda t, d: delivery(t, d, "900", won=False),
        forged=lambda r: InboundRequest(r.method, r.url, r.body, r.headers,
                                        path_params={**r.path_params, "secret": "guessed-" + "x" * 35}),
        written=written, widget_credential=canvas, consent=consent, token_lifetime=7200, account_id=account_id,
        account_field=lambda account: fake.records["Account"][account].get("ERP_Customer_Id__c"))


#: CRM name -> harness; a registered integration without one fails the contract suite
HARNESSES: dict[str, Callable[[Services, responses.RequestsMock], CRMUnderTest]] = {
    "demo": demo_harness,
    "pipedrive": pipedrive_harness,
    "hubspot": hubspot_harness,
    "salesforce": salesforce_harness,
}
