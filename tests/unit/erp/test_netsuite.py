"""NetSuite specifics beyond the contract suite: hosts, token cache, signing keys, throttling, quoting."""
from __future__ import annotations

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.domain.order import OrderLine, OrderRequest
from app.erp.netsuite import build_netsuite, mapping
from app.erp.netsuite.auth import normalise_account, rest_base_url
from app.erp.registry import ConnectorContext
from app.errors import (
    MissingVendorField,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
)
from app.tenants.model import ERPConnectionSettings
from tests.fakes import netsuite as ns_fake


def connector(clock, **config):
    ctx = ConnectorContext(clock=clock, timeout=3.0)
    secrets = {"private_key": config.pop("private_key", ns_fake.PRIVATE_KEY_PEM)}
    settings = {"account_id": ns_fake.ACCOUNT, "client_id": ns_fake.CLIENT_ID,
                "certificate_id": ns_fake.CERTIFICATE_ID, **config}
    return build_netsuite(ERPConnectionSettings("netsuite", settings, secrets), ctx)


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as m:
        yield m


@pytest.mark.parametrize("raw, account, host", [
    ("1234567", "1234567", "https://1234567.suitetalk.api.netsuite.com/services/rest"),
    ("1234567_SB1", "1234567_SB1", "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"),
    (" 1234567-sb1 ", "1234567_SB1", "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest")])
def test_account_id_to_rest_host(raw, account, host):
    assert normalise_account(raw) == account and rest_base_url(account) == host


def test_account_id_with_a_host_in_it_is_refused():
    with pytest.raises(UpstreamMisconfigured):
        normalise_account("evil.example.com/x")


def test_token_is_cached_until_shortly_before_expiry_by_the_injected_clock(mock, clock):
    fake = ns_fake.FakeNetSuite(mock, clock)
    ns = connector(clock)
    ns.get_credit("CUST-0001")
    ns.list_invoices("CUST-0001")
    token_calls = [r for r in fake.seen if r.path == ns_fake.TOKEN_PATH]
    assert len(token_calls) == 1
    assertion = dict(p.split("=", 1) for p in token_calls[0].body.split("&"))["client_assertion"]
    header, claims = jwt.get_unverified_header(assertion), jwt.decode(assertion, options={"verify_signature": False})
    assert (header["kid"], header["alg"], claims["iss"], claims["scope"]) == (
        ns_fake.CERTIFICATE_ID, "ES256", ns_fake.CLIENT_ID, "rest_webservices")
    assert claims["aud"] == ns_fake.REST + "/auth/oauth2/v1/token" and claims["exp"] - claims["iat"] < 3600
    clock.advance(3600 - 59)                # inside the safety margin: replaced before NetSuite refuses it
    ns.get_credit("CUST-0001")
    assert len([r for r in fake.seen if r.path == ns_fake.TOKEN_PATH]) == 2


def test_rsa_keys_sign_with_ps256(mock, clock):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    ns_fake.FakeNetSuite(mock, clock, public_key=key.public_key())
    assert connector(clock, private_key=pem).get_credit("CUST-0001").customer_id == "CUST-0001"
    with pytest.raises(UpstreamMisconfigured, match="RS256 does not fit"):
        connector(clock, private_key=pem, algorithm="RS256")


def test_concurrency_limit_without_retry_after_backs_off_then_reports_rate_limited(mock, clock):
    fake = ns_fake.FakeNetSuite(mock, clock, retry_after=None)
    ns = connector(clock)
    fake.fail_next("rate_limited", count=3)
    with pytest.raises(UpstreamRateLimited) as info:
        ns.list_stock(["SKU-1001"])
    assert info.value.retry_after is None and info.value.vendor_code == "CONCURRENCY_LIMIT_EXCEEDED"
    assert clock.slept == [0.25, 0.5]      # read retries pause through the injected clock


def test_quotes_in_ids_cannot_change_the_query(mock, clock):
    ns_fake.FakeNetSuite(mock, clock)
    with pytest.raises(UpstreamNotFound):
        connector(clock).get_credit("X' OR c.entityid <> 'Y")


def test_missing_field_is_an_error_naming_it_not_a_zero():
    with pytest.raises(MissingVendorField) as info:
        mapping.credit_from({"entityid": "CUST-1", "currency": "EUR", "overdue": "0"})
    assert info.value.field == "balance" and "balance" in info.value.message


def test_a_cancelled_order_for_the_deal_is_not_replaced_silently(mock, clock):
    fake = ns_fake.FakeNetSuite(mock, clock)
    ns = connector(clock)
    request = OrderRequest(customer_id="CUST-0001", currency="EUR", idempotency_key="CRM-CANCELLED", crm_deal_id="D-9",
                           lines=(OrderLine("SKU-1001", 1, 10),))
    ns.create_order(request)
    fake.orders[0]["status"] = {"id": "C", "refName": "Cancelled"}
    assert ns.find_order("CRM-CANCELLED") is None
    with pytest.raises(UpstreamRejected) as info:
        ns.create_order(request)
    assert info.value.reason == "order_cancelled" and len(fake.orders) == 1
