"""Outbound Messages: the documented SOAP envelope in, the exact Ack out; hostile bodies refused."""
from __future__ import annotations

import pytest

from app.crm.salesforce import outbound
from app.errors import BadRequest
from tests.fakes.salesforce_messages import ORG_ID, outbound_message


def test_notifications_are_read_with_their_ids_and_is_won():
    message = outbound.parse(outbound_message([("04l5e000000Q1w2AAC", "0065e000003AbCd", True),
                                               ("04l5e000000Q1w3AAC", "0065e000003AbCe", False)]))
    assert message.organization_id == ORG_ID
    assert [(n.notification_id, n.record_id, n.is_won) for n in message.notifications] == [
        ("04l5e000000Q1w2AAC", "0065e000003AbCdAAK", True), ("04l5e000000Q1w3AAC", "0065e000003AbCeAAK", False)]


def test_the_ack_is_the_notifications_response_salesforce_waits_for():
    assert outbound.ACK == ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
                            '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
                            '</notificationsResponse></soapenv:Body></soapenv:Envelope>')


@pytest.mark.parametrize("body", [
    b"",
    b"not xml",
    b'{"json": true}',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>',
    outbound_message([("04l5e000000Q1w2AAC", "0065e000003AbCd", True)], org_id="nope"),
    outbound_message([("04l5e000000Q1w2AAC", "not-an-id", True)]),
    outbound_message([]),
])
def test_anything_else_is_a_bad_request(body):
    with pytest.raises(BadRequest):
        outbound.parse(body)


def test_a_message_without_is_won_names_the_field():
    body = outbound_message([("04l5e000000Q1w2AAC", "0065e000003AbCd", True)]).replace(
        b"<sf:IsWon>true</sf:IsWon>", b"")
    with pytest.raises(BadRequest) as info:
        outbound.parse(body)
    assert "IsWon" in info.value.detail and info.value.reason == "missing_field"
