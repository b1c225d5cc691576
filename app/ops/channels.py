"""Notifier channels: e-mail over SMTP, a generic JSON webhook and a Slack incoming webhook.

* E-mail: the operator's SMTP server (``SMTP_*`` settings), STARTTLS or implicit TLS, every socket
  operation under ``SMTP_TIMEOUT``.
* Webhook and Slack go through the outbound HTTP layer (timeout, outbound URL policy, no
  redirects, never retried: a retried POST could notify twice; the next evaluation tries again).
  The webhook body is signed when the tenant set a secret: ``X-ERP-Panel-Signature: v1=<hex
  HMAC-SHA256 of "<timestamp>.<body>">`` with ``X-ERP-Panel-Timestamp`` (Unix seconds).
  Slack answers 200 ``ok``, or 4xx with a short error code such as ``invalid_token`` or
  ``channel_is_archived`` (https://api.slack.com/messaging/webhooks#handling_errors).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from app.errors import ALERT, UpstreamRejected
from app.net.client import OutboundHTTP
from app.net.policy import PUBLIC_ONLY, OutboundPolicy
from app.ops.notice import Notice


class Channel(Protocol):
    name: str

    def send(self, notice: Notice) -> None:
        """Deliver the notice or raise an UpstreamError (side ``alert``; the message says why, without secrets)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str                  # starttls | ssl | none
    username: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def from_settings(cls, s: Any) -> SmtpConfig | None:
        """The operator's SMTP server, or None when e-mail alerts are not configured (no SMTP_HOST)."""
        if not s.smtp_host:
            return None
        return cls(s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username, s.smtp_password, s.smtp_from,
                   s.smtp_timeout)


SmtpFactory = Callable[[SmtpConfig], Any]


def connect_smtp(config: SmtpConfig) -> smtplib.SMTP:
    """An SMTP session under the configured timeout, TLS as configured, logged in when a user is set."""
    context = ssl.create_default_context()
    if config.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.security == "starttls":
            smtp.starttls(context=context)
    if config.username:
        smtp.login(config.username, config.password)
    return smtp


class EmailChannel:
    name = "email"

    def __init__(self, config: SmtpConfig, recipients: tuple[str, ...], connect: SmtpFactory = connect_smtp):
        self.config = config
        self.recipients = recipients
        self.connect = connect

    def send(self, notice: Notice) -> None:
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = notice.subject
        message.set_content(notice.text())
        try:
            smtp = self.connect(self.config)
            try:
                smtp.send_message(message)
            finally:
                smtp.quit()
        except (smtplib.SMTPException, OSError) as exc:
            # the exception text can hold server banners or addresses: only its type is reported
            raise UpstreamRejected(f"the e-mail could not be sent through {self.config.host} "
                                   f"({type(exc).__name__})", side=ALERT, reason="alert_email_failed") from None


class _HttpChannel:
    vendor = "Alert webhook"

    def __init__(self, url: str, policy: OutboundPolicy, timeout: float):
        self.url = url
        self.net = OutboundHTTP(vendor=self.vendor, side=ALERT, policy=policy, timeout=timeout)

    def _post(self, body: bytes, headers: dict[str, str]) -> Any:
        try:
            return self.net.send("POST", self.url, data=body, headers={"Content-Type": "application/json", **headers})
        finally:
            self.net.close()


class WebhookChannel(_HttpChannel):
    name = "webhook"

    def __init__(self, url: str, secret: str, policy: OutboundPolicy, timeout: float, timestamp: Callable[[], float]):
        super().__init__(url, policy, timeout)
        self.secret = secret
        self.timestamp = timestamp

    def send(self, notice: Notice) -> None:
        body = json.dumps(notice.payload(), sort_keys=True).encode()
        headers = {}
        if self.secret:
            stamp = str(int(self.timestamp()))
            digest = hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            headers = {"X-ERP-Panel-Timestamp": stamp, "X-ERP-Panel-Signature": f"v1={digest}"}
        response = self._post(body, headers)
        if not 200 <= response.status_code < 300:
            raise UpstreamRejected(f"the webhook answered HTTP {response.status_code}", side=ALERT,
                                   reason="alert_webhook_refused", status=response.status_code)


class SlackChannel(_HttpChannel):
    name = "slack"
    vendor = "Slack"

    def __init__(self, url: str, timeout: float):
        super().__init__(url, PUBLIC_ONLY, timeout)

    def send(self, notice: Notice) -> None:
        response = self._post(json.dumps({"text": notice.slack_text()}).encode(), {})
        if response.status_code != 200:
            code = re.sub(r"[^a-z_]", "", (response.text or "")[:60].lower()) or "no reason given"
            raise UpstreamRejected(f"Slack answered HTTP {response.status_code} ({code})", side=ALERT,
                                   reason="alert_slack_refused", status=response.status_code)
