"""Salesforce Outbound Messages: the SOAP ``notifications`` a record-triggered Flow sends, and the Ack.

Shape (https://developer.salesforce.com/docs/platform/api/guide/sforce-api-om-outboundmessaging-wsdl.html):
``soapenv:Envelope/Body/notifications`` in namespace ``http://soap.sforce.com/2005/09/outbound`` with
``OrganizationId``, ``ActionId``, ``SessionId`` (nillable), ``EnterpriseUrl``, ``PartnerUrl`` and up to
100 ``Notification`` elements, each an ``Id`` (the notification id: our event id) and an ``sObject``
(``xsi:type="sf:Opportunity"``, fields in ``urn:sobject.enterprise.soap.sforce.com``) carrying the
fields the admin chose (``Id`` and ``IsWon`` are required here).

Delivery (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_understanding.htm):
queued, retried with growing pauses for up to 24 hours until the endpoint answers the
``notificationsResponse`` with ``<Ack>true</Ack>``; at least once, maybe out of order, so duplicates
are normal (the intake recognises the notification id). Outbound messages carry no signature: the
endpoint URL holds a per-installation secret and the ``OrganizationId`` must be the tenant's org.

SOAP 1.1 forbids a DTD in a message (https://www.w3.org/TR/2000/NOTE-SOAP-20000508/#_Toc478383492),
so the body is parsed with defusedxml with DTDs forbidden: no entity expansion, no external entities.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from app.crm.salesforce.oauth import long_id
from app.errors import BadRequest

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100

#: the exact acknowledgement Salesforce waits for (anything else is retried)
ACK = ('<?xml version="1.0" encoding="UTF-8"?>'
       f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
       f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
       '</soapenv:Body></soapenv:Envelope>')


@dataclass(frozen=True)
class Notification:
    """One record of an outbound message."""

    notification_id: str
    object_type: str
    record_id: str
    #: the sObject's ``IsWon`` as sent ("true"/"false")
    is_won: bool


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str
    notifications: tuple[Notification, ...]


def _malformed(message: str) -> BadRequest:
    return BadRequest(message, reason="malformed_outbound_message")


def _text(parent: ET.Element, tag: str) -> str:
    found = parent.find(tag)
    return (found.text or "").strip() if found is not None else ""


def parse(body: bytes) -> OutboundMessage:
    """The message; BadRequest (nothing stored) when it is not an outbound message or lacks a field."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise _malformed("A SOAP message may not carry a DTD or entities") from None
    except ET.ParseError:
        raise _malformed("The outbound message is not well-formed XML") from None
    notifications = root.find(f"{{{SOAP_ENV}}}Body/{{{OUTBOUND}}}notifications")
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or notifications is None:
        raise _malformed("Not a Salesforce outbound message (no soapenv:Body/notifications)")
    org = long_id(_text(notifications, f"{{{OUTBOUND}}}OrganizationId"))
    items = notifications.findall(f"{{{OUTBOUND}}}Notification")
    if not org.startswith("00D") or not items or len(items) > MAX_NOTIFICATIONS:
        raise _malformed("The outbound message lacks its OrganizationId or notifications")
    return OutboundMessage(org, _text(notifications, f"{{{OUTBOUND}}}ActionId"),
                           tuple(_notification(item) for item in items))


def _notification(item: ET.Element) -> Notification:
    notification_id = _text(item, f"{{{OUTBOUND}}}Id")
    sobject = item.find(f"{{{OUTBOUND}}}sObject")
    if not notification_id or len(notification_id) > 40 or sobject is None:
        raise _malformed("A notification lacks its Id or sObject")
    object_type = sobject.get(f"{{{XSI}}}type", "").split(":")[-1]
    record_id = long_id(_text(sobject, f"{{{SOBJECT}}}Id"))
    if not record_id:
        raise _malformed(f"Notification {notification_id[:40]} lacks the record Id")
    if sobject.find(f"{{{SOBJECT}}}IsWon") is None and object_type == "Opportunity":
        raise BadRequest("The outbound message must send the Opportunity field IsWon (add it to the outbound "
                         "message's fields)", reason="missing_field")
    is_won = _text(sobject, f"{{{SOBJECT}}}IsWon").lower() == "true"
    return Notification(notification_id, object_type, record_id, is_won)
