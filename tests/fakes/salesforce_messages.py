"""What Salesforce sends erp-panel, built the documented way: Canvas signed requests and Outbound Messages.

* Canvas: ``base64(HMAC-SHA256(consumer secret, base64 envelope)) + "." + base64 envelope`` with the
  CanvasRequest JSON of
  https://developer.salesforce.com/docs/atlas.en-us.platform_connect.meta/platform_connect/canvas_request_object.htm
  (``algorithm``, ``issuedAt``, ``userId``, ``client``, ``context.user/organization/environment``).
* Outbound Message: the SOAP ``notifications`` envelope of
  https://developer.salesforce.com/docs/platform/api/guide/sforce-api-om-outboundmessaging-wsdl.html
  (``OrganizationId``, ``ActionId``, nil ``SessionId``, ``EnterpriseUrl``, ``PartnerUrl``, ``Notification``
  elements with ``Id`` and an ``sObject`` of ``xsi:type="sf:Opportunity"``).
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from app.crm.salesforce.canvas import sign

ORG_ID = "00D5e000000AbCdEAK"
USER_ID = "0055e000001XyZaAAK"
INSTANCE = "https://acme.my.salesforce.com"
CONSUMER_SECRET = "sf-consumer-secret-" + "c" * 24


def canvas_envelope(*, record_type: str = "Account", record: dict | None = None, issued_at: int | None = None,
                    org_id: str = ORG_ID, user_id: str = USER_ID, algorithm: str = "HMACSHA256") -> dict:
    """A CanvasRequest for a record page (``displayLocation: PageLayout``)."""
    record_fields = {"attributes": {"type": record_type,
                                    "url": f"/services/data/v62.0/sobjects/{record_type}/{(record or {}).get('Id')}"},
                     **(record or {})}
    return {
        "algorithm": algorithm, "issuedAt": issued_at, "userId": user_id,
        "client": {"instanceId": "06Pxx0000004C92:erp_panel", "instanceUrl": INSTANCE,
                   "oauthToken": "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoE0",
                   "refreshToken": None, "targetOrigin": "https://acme.lightning.force.com"},
        "context": {
            "user": {"userId": user_id, "userName": "rep@acme.example", "email": "rep@acme.example",
                     "fullName": "Rita Rep", "language": "en_US", "locale": "en_US", "currencyISOCode": "EUR",
                     "profileId": "00e5e000000KqRsAAK", "roleId": "00E5e000000TuVwEAK", "userType": "STANDARD"},
            "organization": {"organizationId": org_id, "name": "Acme", "currencyIsoCode": "EUR",
                             "multicurrencyEnabled": False},
            "environment": {"displayLocation": "PageLayout", "locationUrl": "https://acme.lightning.force.com/",
                            "uiTheme": "Theme4d", "dimensions": {"width": "100%", "height": "600px"},
                            "parameters": {}, "record": record_fields, "version": {"api": "62.0"}},
            "links": {"restUrl": "/services/data/v62.0/"},
            "application": {"applicationId": "06Pxx0000004C92", "authType": "SIGNED_REQUEST",
                            "developerName": "erp_panel", "name": "erp-panel", "version": "1.0"}}}


def signed_request(envelope: dict, secret: str = CONSUMER_SECRET) -> str:
    return sign(envelope, secret)


def outbound_message(notifications: list[tuple[str, str, bool]], *, org_id: str = ORG_ID,
                     object_type: str = "Opportunity") -> bytes:
    """``notifications`` = (notification id, record id, IsWon) each."""
    items = "".join(
        f"<Notification><Id>{escape(nid)}</Id><sObject xsi:type=\"sf:{object_type}\" "
        f"xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\"><sf:Id>{escape(rid)}</sf:Id>"
        f"<sf:IsWon>{'true' if won else 'false'}</sf:IsWon><sf:StageName>{'Closed Won' if won else 'Prospecting'}"
        "</sf:StageName></sObject></Notification>"
        for nid, rid, won in notifications)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
            f'<OrganizationId>{org_id}</OrganizationId><ActionId>04k5e000000AbCdAAK</ActionId>'
            '<SessionId xsi:nil="true"/>'
            f'<EnterpriseUrl>{INSTANCE}/services/Soap/c/62.0/{org_id[:15]}</EnterpriseUrl>'
            f'<PartnerUrl>{INSTANCE}/services/Soap/u/62.0/{org_id[:15]}</PartnerUrl>'
            f'{items}</notifications></soapenv:Body></soapenv:Envelope>').encode()
