"""The outbound URL policy: which URLs and addresses ERP and CRM calls may reach.

* https only; http only when the operator sets ``ERP_ALLOW_HTTP=1`` (e.g. an ERP on the
  office network without TLS);
* no user:password@ in URLs (credentials travel in headers, never in addresses);
* host literals: canonical dotted-quad IPv4 or bracketed IPv6 only - integer, octal and hex
  spellings (``2130706433``, ``0x7f.1``) are refused, not guessed;
* addresses: public by default; loopback, private ranges, ``0.0.0.0`` and the like only inside
  networks the operator lists (``ERP_ALLOWED_NETWORKS=10.0.0.0/8``); link-local and cloud
  metadata never. The same rule runs on every resolved address at connect time
  (:mod:`app.net.session`), so a name that resolves elsewhere later cannot slip through.

``check_url`` needs no network: it answers with a sentence naming the problem, which is safe
to show to an admin. Failures that need the network (DNS, refused, timeout, a resolved
address outside the policy) all read the same - see :mod:`app.net.client`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from app.net.addresses import (
    IPNetwork,
    Reach,
    address_allowed,
    is_numeric_host,
    parse_address,
    parse_networks,
    reach_of,
)

ALLOWED_NETWORKS_SETTING = "ERP_ALLOWED_NETWORKS"
ALLOW_HTTP_SETTING = "ERP_ALLOW_HTTP"


class URLRefused(ValueError):
    """A URL the policy refuses, with a stable reason code and a plain sentence naming the problem."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class OutboundPolicy:
    """What outbound calls may reach; the default (no arguments) is https to public addresses only."""

    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_lists(cls, *, allow_http: bool = False, allowed_networks: Iterable[str] = ()) -> OutboundPolicy:
        """Build from settings values; ValueError names a network that cannot be used."""
        return cls(allow_http=allow_http, allowed_networks=parse_networks(allowed_networks))

    def allows_address(self, address: str) -> bool:
        """May a connection go to this resolved address?"""
        ip = parse_address(address)
        return ip is not None and address_allowed(ip, self.allowed_networks)

    def check_url(self, url: str) -> SplitResult:
        """The parsed URL when the policy allows it; URLRefused (with the problem named) otherwise."""
        try:
            parts = urlsplit(str(url).strip())
            host = parts.hostname or ""
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number 0-65535
        except ValueError:
            raise URLRefused("url_invalid", "The address is not a valid URL.") from None
        scheme = parts.scheme.lower()
        if scheme == "http" and not self.allow_http:
            raise URLRefused("url_not_https", "The address must start with https:// (plain http is only "
                                              f"allowed when the operator sets {ALLOW_HTTP_SETTING}=1).")
        bare = not scheme or "." in scheme or parts.path.split("/")[0].isdigit()
        if "://" not in str(url) and scheme not in ("https", "http") and bare:   # "erp.example.com", "host:8000"
            raise URLRefused("url_no_scheme", f"The address has no https:// in front; write it as "
                                              f"https://{url.strip()[:100]}.")
        if scheme not in ("https", "http"):
            raise URLRefused("url_bad_scheme", "The address must start with https://; other kinds of address "
                                               "(file:, gopher:, ftp: ...) are not allowed.")
        if parts.username is not None or parts.password is not None:
            raise URLRefused("url_has_credentials", "The address must not contain a user name or password; "
                                                    "enter the credentials in their own fields.")
        if not host:
            raise URLRefused("url_invalid", "The address has no host name.")
        self._check_host(host)
        return parts

    def _check_host(self, host: str) -> None:
        ip = parse_address(host)
        if ip is None:
            if is_numeric_host(host):
                raise URLRefused("url_ip_spelling", f"'{host}' is an IP address in an unusual spelling; write "
                                                    "the host name, or the address as four dotted numbers.")
            return
        if address_allowed(ip, self.allowed_networks):
            return
        if reach_of(ip) is Reach.NEVER:
            raise URLRefused("url_forbidden_address", f"{host} is a link-local or cloud metadata address, "
                                                      "which is never allowed.")
        raise URLRefused("url_private_address", f"{host} is a private, loopback or reserved address; the "
                                                f"operator must allow its network ({ALLOWED_NETWORKS_SETTING}).")


#: the policy for calls to the CRMs' fixed public APIs: https to public addresses, no exceptions
PUBLIC_ONLY = OutboundPolicy()
