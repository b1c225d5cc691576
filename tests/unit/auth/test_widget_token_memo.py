"""A widget token's signature is checked once per process; its expiry on every use."""
from __future__ import annotations

import pytest

import app.auth.widget_token as widget_token
from app.auth.widget_token import WidgetTokenInvalid, WidgetTokens


def test_a_verified_token_is_not_decoded_again_but_still_expires(clock, monkeypatch):
    tokens = WidgetTokens(["k" * 40], clock, ttl=300)
    token, _ = tokens.mint("tenant-1", "rep-1", "demo")
    decoded = []
    real = widget_token.decode_with_any_key
    monkeypatch.setattr(widget_token, "decode_with_any_key", lambda *a, **kw: decoded.append(1) or real(*a, **kw))
    for _ in range(5):
        assert tokens.verify(token).tenant_id == "tenant-1"
    assert decoded == [1]
    clock.advance(300)
    with pytest.raises(WidgetTokenInvalid, match="expired"):
        tokens.verify(token)


def test_a_token_that_failed_is_checked_every_time(clock):
    tokens = WidgetTokens(["k" * 40], clock)
    other = WidgetTokens(["x" * 40], clock)
    forged, _ = other.mint("tenant-1", "rep-1", "demo")
    for _ in range(2):
        with pytest.raises(WidgetTokenInvalid, match="signature"):
            tokens.verify(forged)
    tampered = tokens.mint("tenant-1", "rep-1", "demo")[0][:-2] + "AA"
    with pytest.raises(WidgetTokenInvalid):
        tokens.verify(tampered)
