"""Canvas signed requests: the documented format, and everything that must not verify."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from app.crm.salesforce import canvas
from app.errors import Unauthorized
from tests.fakes.salesforce_messages import CONSUMER_SECRET, ORG_ID, USER_ID, canvas_envelope, signed_request

SECRETS = [CONSUMER_SECRET]
ACCOUNT = "0015e000002AbCdAAK"


def test_a_documented_signed_request_verifies_and_names_org_user_and_record(clock):
    envelope = canvas_envelope(record={"Id": ACCOUNT}, issued_at=int(clock.timestamp()))
    decoded = canvas.decode(signed_request(envelope), SECRETS)
    canvas.check_issued_at(decoded, clock)
    caller = canvas.caller(decoded, "salesforce")
    assert (caller.installation_id, caller.user_id, caller.object_type, caller.object_id) == (
        ORG_ID, USER_ID, "account", ACCOUNT)
    assert caller.user_context["email"] == "rep@acme.example"
    assert caller.user_context["role_id"] == "00E5e000000TuVwEAK" and caller.user_context["user_type"] == "STANDARD"


def test_on_an_opportunity_the_session_is_for_its_account():
    envelope = canvas_envelope(record_type="Opportunity", record={"Id": "0065e000003AbCd", "AccountId": ACCOUNT})
    caller = canvas.caller(canvas.decode(signed_request(envelope), SECRETS), "salesforce")
    assert caller.object_id == ACCOUNT and caller.user_context["opportunity_id"] == "0065e000003AbCdAAK"


def test_url_safe_base64_without_padding_also_verifies():
    body = base64.urlsafe_b64encode(json.dumps(canvas_envelope()).encode()).decode().rstrip("=")
    signature = base64.urlsafe_b64encode(hmac.new(CONSUMER_SECRET.encode(), body.encode(), hashlib.sha256)
                                         .digest()).decode().rstrip("=")
    assert canvas.decode(f"{signature}.{body}", SECRETS)["algorithm"] == "HMACSHA256"


def test_the_split_is_on_the_first_dot_only():
    signed = signed_request(canvas_envelope())
    signature, body = signed.split(".", 1)
    with pytest.raises(Unauthorized):
        canvas.decode(f"{signature}.{body}.extra", SECRETS)       # the HMAC covers everything after the dot


@pytest.mark.parametrize("mutate", [
    lambda s: "",
    lambda s: "no-dot-at-all",
    lambda s: s.split(".", 1)[0] + "." + base64.b64encode(b'{"algorithm":"HMACSHA256"}').decode(),
    lambda s: "AAAA" + s[4:],
    lambda s: "!!!." + s.split(".", 1)[1],
    lambda s: signed_request(canvas_envelope(), "another-secret"),
    lambda s: signed_request(canvas_envelope(algorithm="none")),
    lambda s: s + "x" * canvas.MAX_LENGTH,
])
def test_forged_or_malformed_requests_are_refused(mutate):
    with pytest.raises(Unauthorized):
        canvas.decode(mutate(signed_request(canvas_envelope())), SECRETS)


@pytest.mark.parametrize("offset", [-canvas.MAX_AGE_SECONDS - 1, canvas.LEEWAY_SECONDS + 60])
def test_issued_at_too_old_or_in_the_future_is_refused(clock, offset):
    with pytest.raises(Unauthorized):
        canvas.check_issued_at({"issuedAt": int(clock.timestamp()) + offset}, clock)


def test_issued_at_in_milliseconds_and_null_are_accepted(clock):
    canvas.check_issued_at({"issuedAt": int(clock.timestamp() * 1000)}, clock)
    canvas.check_issued_at({"issuedAt": None}, clock)


@pytest.mark.parametrize("envelope", [
    canvas_envelope(org_id="not-an-org"),
    canvas_envelope(user_id="00e5e000000KqRs"),
    {**canvas_envelope(), "userId": "0055e000009ZzZz"},         # top-level user differs from context.user
])
def test_an_envelope_without_a_clear_org_and_user_is_refused(envelope):
    with pytest.raises(Unauthorized):
        canvas.caller(envelope, "salesforce")
