"""The shared ERP HTTP layer: timeouts, retry policy, error classes, redaction."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import requests
import responses

from app.erp.base import (
    ERPAuthError,
    ERPNotFoundError,
    ERPRateLimited,
    ERPRetriableError,
    ERPValidationError,
)
from app.erp.http import ERPHttp, error_for_status, redact
from app.net.client import retry_after_seconds

BASE = "https://erp.example.test"
SECRET = "s3cr3t-value-123"


@pytest.fixture
def http():
    sleeps: list[float] = []
    client = ERPHttp(BASE, vendor="TestERP", headers={"Authorization": f"token key:{SECRET}"}, timeout=2.5,
                     secrets=(SECRET,), sleep=sleeps.append)
    client.sleeps = sleeps
    yield client
    client.close()


@pytest.mark.parametrize("status, cls", [(429, ERPRateLimited), (500, ERPRetriableError), (502, ERPRetriableError),
                                         (503, ERPRetriableError), (401, ERPAuthError), (403, ERPAuthError),
                                         (404, ERPNotFoundError), (409, ERPValidationError),
                                         (417, ERPValidationError), (422, ERPValidationError)])
def test_status_classes(status, cls):
    error = error_for_status(status, "x")
    assert type(error) is cls
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
    with pytest.raises(ERPRetriableError):
        http.request("POST", "w", json={"a": 1})
    assert len(responses.calls) == 1 and http.sleeps == []
    responses.post(f"{BASE}/w", json={"ok": 1})
    assert http.request("POST", "w", json={}, safe=True).json() == {"ok": 1}


@responses.activate
def test_long_retry_after_is_not_waited_for(http):
    responses.get(f"{BASE}/r", status=429, body="Too Many Requests", headers={"Retry-After": "30"})
    with pytest.raises(ERPRateLimited) as info:
        http.request("GET", "r")
    assert info.value.retry_after == 30 and len(responses.calls) == 1 and http.sleeps == []


@responses.activate
def test_timeouts_and_connection_errors_are_retriable_and_read_the_same(http):
    responses.get(f"{BASE}/t", body=requests.ReadTimeout(f"timeout with {SECRET}"))
    responses.get(f"{BASE}/c", body=requests.ConnectionError(f"refused {SECRET}"))
    client = ERPHttp(BASE, vendor="TestERP", timeout=2.5, retries=0, secrets=(SECRET,))
    with pytest.raises(ERPRetriableError) as timeout:
        client.request("GET", "t")
    with pytest.raises(ERPRetriableError) as refused:
        client.request("GET", "c")
    # one sentence whatever the cause, so a URL an admin types cannot be used to probe ports
    assert timeout.value.reason == refused.value.reason == "erp_unreachable"
    assert str(timeout.value) == str(refused.value)
    assert SECRET not in str(timeout.value) + str(refused.value)


@responses.activate
def test_errors_and_logs_never_contain_headers_or_bodies(http, caplog):
    responses.post(f"{BASE}/w", status=417, json={"message": f"bad value {SECRET}", "secret_body": "payload-xyz"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ERPValidationError) as info:
        http.request("POST", "w", json={"card": "payload-xyz"})
    text = str(info.value) + caplog.text
    assert SECRET not in text and "payload-xyz" not in text and "Authorization" not in text


@responses.activate
def test_non_json_answer_is_a_clear_error(http):
    responses.get(f"{BASE}/page", body="<html>login</html>", content_type="text/html")
    with pytest.raises(ERPValidationError) as info:
        http.json(http.request("GET", "page"))
    assert info.value.reason == "erp_bad_response" and "URL" in info.value.message
