"""The shared vendor HTTP layer (ERP and CRM clients): timeouts, retry policy, the status -> error table, redaction."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import requests
import responses

from app.errors import (
    CRM,
    ERP,
    UpstreamAuthFailed,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from app.net.client import RetryPolicy, retry_after_seconds
from app.net.vendor import VendorTable, default_kind, redact
from app.net.vendor_http import VendorHTTP

BASE = "https://erp.example.test"
SECRET = "s3cr3t-value-123"
TABLE = VendorTable("TestERP", ERP)
READS = RetryPolicy(retries=2, first_pause=0.25, factor=2.0, max_retry_after_wait=2.0)


@pytest.fixture
def http():
    sleeps: list[float] = []
    client = VendorHTTP(BASE, table=TABLE, headers={"Authorization": f"token key:{SECRET}"}, timeout=2.5,
                        secrets=(SECRET,), retry=READS, sleep=sleeps.append)
    client.sleeps = sleeps
    yield client
    client.close()


@pytest.mark.parametrize("status, cls", [(429, UpstreamRateLimited), (500, UpstreamUnavailable), (502, UpstreamUnavailable),
                                         (503, UpstreamUnavailable), (401, UpstreamAuthFailed), (403, UpstreamAuthFailed),
                                         (404, UpstreamNotFound), (409, UpstreamRejected),
                                         (417, UpstreamRejected), (422, UpstreamRejected)])
@pytest.mark.parametrize("side", [ERP, CRM])
def test_status_classes(status, cls, side):
    """One table for every vendor, ERP and CRM: the status decides the kind, the side the reason's first word."""
    kind, reason = default_kind(status, side)
    error = VendorTable("Vendor", side).error(kind, "x", status=status, reason=reason)
    assert type(error) is cls and error.side == side and error.reason.startswith(f"{side}_")
    assert error.retriable == (status >= 500 or status == 429)


def test_retry_after_parsing():
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    # the HTTP-date form (RFC 9110 10.2.3) counts from now; a date in the past means "now"
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 30.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_redact_strips_secrets_and_truncates():
    text = redact(f"token key:{SECRET} failed " + "x" * 500, [SECRET])
    assert SECRET not in text and "***" in text and len(text) <= 300


@responses.activate
def test_get_is_retried_with_backoff_and_timeout_is_always_sent(http):
    responses.get(f"{BASE}/r", status=503)
    responses.get(f"{BASE}/r", status=503)
    responses.get(f"{BASE}/r", json={"ok": True})
    assert http.request("GET", "r").json() == {"ok": True}
    assert http.sleeps == [0.25, 0.5]
    assert [c.request.req_kwargs["timeout"] for c in responses.calls] == [2.5, 2.5, 2.5]


@responses.activate
def test_post_is_not_retried_unless_marked_safe(http):
    responses.post(f"{BASE}/w", status=503)
    with pytest.raises(UpstreamUnavailable):
        http.request("POST", "w", json={"a": 1})
    assert len(responses.calls) == 1 and http.sleeps == []
    responses.post(f"{BASE}/w", json={"ok": 1})
    assert http.request("POST", "w", json={}, safe=True).json() == {"ok": 1}


@responses.activate
def test_long_retry_after_is_not_waited_for(http):
    responses.get(f"{BASE}/r", status=429, body="Too Many Requests", headers={"Retry-After": "30"})
    with pytest.raises(UpstreamRateLimited) as info:
        http.request("GET", "r")
    assert info.value.retry_after == 30 and len(responses.calls) == 1 and http.sleeps == []


@responses.activate
def test_timeouts_and_connection_errors_are_retriable_and_read_the_same(http):
    responses.get(f"{BASE}/t", body=requests.ReadTimeout(f"timeout with {SECRET}"))
    responses.get(f"{BASE}/c", body=requests.ConnectionError(f"refused {SECRET}"))
    client = VendorHTTP(BASE, table=TABLE, timeout=2.5, secrets=(SECRET,))
    with pytest.raises(UpstreamUnavailable) as timeout:
        client.request("GET", "t")
    with pytest.raises(UpstreamUnavailable) as refused:
        client.request("GET", "c")
    # one sentence whatever the cause, so a URL an admin types cannot be used to probe ports
    assert timeout.value.reason == refused.value.reason == "erp_unreachable"
    assert str(timeout.value) == str(refused.value)
    assert SECRET not in str(timeout.value) + str(refused.value)


@responses.activate
def test_errors_and_logs_never_contain_headers_or_bodies(http, caplog):
    responses.post(f"{BASE}/w", status=417, json={"message": f"bad value {SECRET}", "secret_body": "payload-xyz"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UpstreamRejected) as info:
        http.request("POST", "w", json={"card": "payload-xyz"})
    text = str(info.value) + caplog.text
    assert SECRET not in text and "payload-xyz" not in text and "Authorization" not in text


@responses.activate
def test_non_json_answer_is_a_clear_error(http):
    responses.get(f"{BASE}/page", body="<html>login</html>", content_type="text/html")
    with pytest.raises(UpstreamRejected) as info:
        http.json(http.request("GET", "page"))
    assert info.value.reason == "erp_bad_response" and "URL" in info.value.message
