"""Plain sentences of the settings page."""
from __future__ import annotations

from app.erp.base import ConnectionCheck
from app.web.admin.view import check_sentence


def test_check_sentences_name_the_cause():
    assert check_sentence(ConnectionCheck(True, "ok", "Signed in as api@example.com")) == \
        "The connection works. Signed in as api@example.com"
    assert check_sentence(ConnectionCheck(False, "wrong_url", "HTTP 404 at /api/method/ping")) == \
        "The URL does not lead to the expected ERP. HTTP 404 at /api/method/ping (reason: wrong_url)"
    assert check_sentence(ConnectionCheck(False, "something_new", "Odd.")) == \
        "The connection test failed. Odd. (reason: something_new)"
