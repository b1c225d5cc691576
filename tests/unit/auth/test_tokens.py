from datetime import timedelta

import jwt
import pytest

from app.auth.admin import AdminSessionInvalid, AdminSessions
from app.auth.widget_token import WidgetTokenInvalid, WidgetTokens
from app.clock import FrozenClock
from app.crm.demo import signing
from app.errors import Unauthorized
from tests.fakes.demo import demo


def test_widget_token_round_trip_and_expiry(clock):
    tokens = WidgetTokens(["secret-a"], clock, ttl=600)
    assert tokens.ttl == 300                      # never longer than 5 minutes
    token, ttl = tokens.mint("tenant-1", "user-1", "demo", "ACC-1")
    claims = tokens.verify(token)
    assert (claims.tenant_id, claims.user_id, claims.object_id) == ("tenant-1", "user-1", "ACC-1")
    clock.advance(299)
    tokens.verify(token)
    clock.advance(1)
    with pytest.raises(WidgetTokenInvalid, match="expired"):
        tokens.verify(token)


def test_widget_token_rejects_wrong_key_alg_none_and_long_lifetimes(clock):
    tokens = WidgetTokens(["secret-a"], clock)
    other = WidgetTokens(["secret-b"], clock)
    token, _ = other.mint("t", "u", "demo")
    with pytest.raises(WidgetTokenInvalid):
        tokens.verify(token)
    now = int(clock.timestamp())
    unsigned = jwt.encode({"aud": "erp-panel-widget", "tid": "t", "sub": "u", "iat": now, "exp": now + 60},
                          None, algorithm="none")
    with pytest.raises(WidgetTokenInvalid):
        tokens.verify(unsigned)
    forged = jwt.encode({"aud": "erp-panel-widget", "tid": "t", "sub": "u", "iat": now, "exp": now + 86400},
                        tokens.keys[0], algorithm="HS256")
    with pytest.raises(WidgetTokenInvalid, match="lifetime"):
        tokens.verify(forged)
    with pytest.raises(WidgetTokenInvalid):
        tokens.verify("")


def test_widget_token_key_rotation(clock):
    old = WidgetTokens(["old"], clock)
    token, _ = old.mint("t", "u", "demo")
    assert WidgetTokens(["new", "old"], clock).verify(token).tenant_id == "t"


def test_admin_sessions(clock):
    sessions = AdminSessions(["k"], clock)
    token = sessions.mint("tenant", "admin")
    assert sessions.verify(token).tenant_id == "tenant"
    clock.advance(8 * 3600)
    with pytest.raises(AdminSessionInvalid):
        sessions.verify(token)
    widget_token, _ = WidgetTokens(["k"], clock).mint("tenant", "u", "demo")
    with pytest.raises(AdminSessionInvalid):     # a widget token is not an admin session
        sessions.verify(widget_token)


def test_demo_signing_window_and_tamper(clock):
    token = signing.sign({"company": "c"}, b"key", clock)
    assert signing.verify(token, [b"other", b"key"], clock)["company"] == "c"
    clock.advance(299)
    signing.verify(token, [b"key"], clock)
    clock.advance(2)
    with pytest.raises(Unauthorized, match="window"):
        signing.verify(token, [b"key"], clock)
    body, mac = token.split(".")
    with pytest.raises(Unauthorized):
        signing.verify(body[:-1] + ("A" if body[-1] != "A" else "B") + "." + mac, [b"key"], clock)
    later = FrozenClock(clock.now() + timedelta(seconds=301))
    with pytest.raises(Unauthorized, match="window"):     # too far in the future
        signing.verify(signing.sign({"company": "c"}, b"key", later), [b"key"], clock)


def test_demo_crm_credential_errors_are_refused_credentials(services):
    with pytest.raises(Unauthorized):
        demo(services).verify_widget_credential("x.y")
