"""Which IP addresses an outbound call may reach: public, operator-listed private, never.

Pure functions over :mod:`ipaddress`; used for host literals in URLs (when an admin saves
an ERP address) and for every resolved address at connect time (so DNS rebinding cannot
swap a public name for a private address between the check and the connection).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from enum import StrEnum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: never reachable, whatever the operator lists: link-local (where cloud metadata services
#: live), the cloud metadata addresses outside it, multicast and broadcast.
#: AWS IMDS over IPv6: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
#: Alibaba Cloud metadata: https://www.alibabacloud.com/help/en/ecs/user-guide/view-instance-metadata
NEVER_NETWORKS: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "fe80::/10",
    "fd00:ec2::254/128", "100.100.100.200/32",
    "224.0.0.0/4", "ff00::/8", "255.255.255.255/32",
))

#: IPv6 prefixes that carry an IPv4 address in their last 32 bits: the deprecated
#: IPv4-compatible form (::a.b.c.d) and the NAT64 well-known prefix (RFC 6052).
_EMBEDDING_PREFIXES = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))

#: a host made only of numbers, dots and hex prefixes: an IP address in some spelling
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class Reach(StrEnum):
    PUBLIC = "public"        # reachable by default
    PRIVATE = "private"      # loopback, RFC 1918, fc00::/7, 0.0.0.0, CGNAT...: only when the operator lists it
    NEVER = "never"          # link-local, metadata, multicast: refused even when listed


def effective_address(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo client, NAT64), else itself."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in prefix for prefix in _EMBEDDING_PREFIXES) and int(ip) & 0xFFFFFFFF and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def reach_of(ip: IPAddress) -> Reach:
    """How reachable an address is by default (see :class:`Reach`)."""
    for candidate in {ip, effective_address(ip)}:
        if any(candidate in net for net in NEVER_NETWORKS if net.version == candidate.version):
            return Reach.NEVER
    target = effective_address(ip)
    return Reach.PUBLIC if target.is_global else Reach.PRIVATE


def address_allowed(ip: IPAddress, allowed_networks: Iterable[IPNetwork]) -> bool:
    """Public addresses, and private ones inside an operator-listed network; never the NEVER set."""
    reach = reach_of(ip)
    if reach is Reach.NEVER:
        return False
    if reach is Reach.PUBLIC:
        return True
    targets = {ip, effective_address(ip)}
    return any(t in net for t in targets for net in allowed_networks if net.version == t.version)


def parse_address(text: str) -> IPAddress | None:
    """The address a resolver result or canonical literal names (IPv6 zone id dropped), else None."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def is_numeric_host(host: str) -> bool:
    """True for hosts that resolvers read as an IPv4 address in a non-dotted-quad spelling.

    ``2130706433``, ``0x7f000001``, ``0177.0.0.1`` and ``127.1`` all reach 127.0.0.1 through
    ``inet_aton``; only the canonical dotted-quad form is accepted as an address literal.
    """
    labels = host.rstrip(".").split(".")
    return bool(host) and all(_NUMERIC_LABEL.match(label) for label in labels)


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Operator-listed networks (``10.0.0.0/8``, ``fd12::/16``, single addresses); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ValueError(f"'{value}' is not a network such as 10.0.0.0/8") from None
        if _never_allowed(network):
            raise ValueError(f"'{value}' is link-local or a cloud metadata address, which is never allowed")
        networks.append(network)
    return tuple(networks)


def _never_allowed(network: IPNetwork) -> bool:
    """Inside a link-local or metadata network (compared within the same IP version only)."""
    if isinstance(network, ipaddress.IPv4Network):
        return any(network.subnet_of(never) for never in NEVER_NETWORKS if isinstance(never, ipaddress.IPv4Network))
    return any(network.subnet_of(never) for never in NEVER_NETWORKS if isinstance(never, ipaddress.IPv6Network))
