"""HubSpot request signatures against the vendor's own known-answer vectors, plus failure cases."""
from __future__ import annotations

import pytest

from app.crm.hubspot import signature as sig
from app.crm.inbound import InboundRequest
from app.errors import Unauthorized

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
V1_BODY = (b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
           b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM",'
           b'"changeFlag":"NEW","appId":54321}]')
URI = "https://www.example.com/webhook_uri"
TS = "1693657560000"


def test_v1_vendor_vector():
    assert sig.sign_v1(SECRET, V1_BODY) == "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"


def test_v2_vendor_vectors():
    assert sig.sign_v2(SECRET, "GET", URI, b"") == "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    assert (sig.sign_v2(SECRET, "POST", URI, b'{"example_field":"example_value"}')
            == "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900")


def test_v3_vendor_vector():
    body = b"{'example_field':'example_value'}"
    assert sig.sign_v3(SECRET, "POST", URI, body, TS) == "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="


def _request(uri=URI, body=b"{'example_field':'example_value'}", signature=None, ts=TS, secret=SECRET):
    signature = signature or sig.sign_v3(secret, "POST", uri, body, ts)
    return InboundRequest("POST", uri, body, {"X-HubSpot-Signature-v3": signature,
                                             "X-HubSpot-Request-Timestamp": ts})


NOW = int(TS)


def test_v3_accepts_vendor_vector_at_its_time():
    sig.verify_v3(_request(signature="K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="), [SECRET], NOW)


@pytest.mark.parametrize("now, reason", [
    (NOW + 300_001, "signature_expired"),
    (NOW - 300_001, "timestamp_in_future"),
])
def test_v3_rejects_stale_and_future(now, reason):
    with pytest.raises(Unauthorized) as err:
        sig.verify_v3(_request(), [SECRET], now)
    assert err.value.reason == reason


def test_v3_accepts_edges_of_window():
    sig.verify_v3(_request(), [SECRET], NOW + 300_000)
    sig.verify_v3(_request(), [SECRET], NOW - 300_000)


def test_v3_rejects_tampered_body_wrong_secret_and_other_uri():
    good = _request()
    tampered = InboundRequest("POST", URI, good.body + b" ", good.headers)
    for request, secrets in ((tampered, [SECRET]), (good, ["other-secret"]),
                             (InboundRequest("POST", URI + "?x=1", good.body, good.headers), [SECRET]),
                             (InboundRequest("PUT", URI, good.body, good.headers), [SECRET])):
        with pytest.raises(Unauthorized) as err:
            sig.verify_v3(request, secrets, NOW)
        assert err.value.reason == "signature_mismatch"


def test_v3_accepts_any_configured_secret_for_rotation():
    sig.verify_v3(_request(), ["retired-secret", SECRET], NOW)


@pytest.mark.parametrize("headers, reason", [
    ({}, "signature_missing"),
    ({"X-HubSpot-Signature-v3": "abc"}, "signature_missing"),
    ({"X-HubSpot-Signature-v3": "abc", "X-HubSpot-Request-Timestamp": "1693657560000.0"}, "bad_timestamp"),
])
def test_v3_rejects_missing_parts(headers, reason):
    with pytest.raises(Unauthorized) as err:
        sig.verify_v3(InboundRequest("POST", URI, b"", headers), [SECRET], NOW)
    assert err.value.reason == reason


def test_header_lookup_is_case_insensitive():
    request = _request()
    lowered = InboundRequest("POST", URI, request.body, {k.lower(): v for k, v in request.headers.items()})
    sig.verify_v3(lowered, [SECRET], NOW)


@pytest.mark.parametrize("raw, decoded", [
    ("https://x.test/a%3Ab%2Fc%3Fd%40e", "https://x.test/a:b/c?d@e"),
    ("https://x.test/p?q=%21%24%27%28%29%2A%2C%3B", "https://x.test/p?q=!$'()*,;"),
    ("https://x.test/p?q=%2a%2c", "https://x.test/p?q=*,"),                  # lowercase hex too
    ("https://x.test/p?q=a%20b%26c%3Dd", "https://x.test/p?q=a%20b%26c%3Dd"),  # not on the list: kept
])
def test_v3_decodes_only_the_listed_sequences(raw, decoded):
    assert sig.decode_uri_for_v3(raw) == decoded


def test_v3_signature_over_encoded_uri_equals_signature_over_decoded_uri():
    encoded = "https://x.test/api?portal=%3A1%40"
    body = b"{}"
    assert sig.sign_v3(SECRET, "POST", encoded, body, TS) == sig.sign_v3(SECRET, "POST", "https://x.test/api?portal=:1@",
                                                                         body, TS)
    # %20 stays encoded, so signing the space form does not verify
    assert sig.sign_v3(SECRET, "GET", "https://x.test/a%20b", b"", TS) != sig.sign_v3(
        SECRET, "GET", "https://x.test/a b", b"", TS)


def test_v1_verification():
    headers = {"X-HubSpot-Signature": sig.sign_v1(SECRET, V1_BODY), "X-HubSpot-Signature-Version": "v1"}
    sig.verify_v1(InboundRequest("POST", URI, V1_BODY, headers), [SECRET])
    with pytest.raises(Unauthorized):
        sig.verify_v1(InboundRequest("POST", URI, V1_BODY + b" ", headers), [SECRET])
    with pytest.raises(Unauthorized):
        sig.verify_v1(InboundRequest("POST", URI, V1_BODY, {**headers, "X-HubSpot-Signature-Version": "v2"}), [SECRET])
