"""SSRF through the ERP address: nothing outside the outbound policy is ever connected to.

These tests run the real transport (no ``responses`` mock): name resolution is patched and
``socket.connect`` records every attempt and refuses it, on top of the autouse no-network
guard. A refused destination must show up as *no* attempt at all, and every kind of failure
must read the same.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field

import pytest
import responses

from app.erp.erpnext.client import ERPNEXT
from app.errors import UpstreamMisconfigured, UpstreamUnavailable
from app.net.client import UNREACHABLE
from app.net.policy import OutboundPolicy
from app.net.vendor_http import VendorHTTP

SECRET = "erp-api-secret-0042"
STRICT = OutboundPolicy()
ON_PREMISES = OutboundPolicy.from_lists(allowed_networks=["10.0.0.0/8"])


@dataclass
class Network:
    """Fake DNS + a socket layer that records connection attempts and refuses them all."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    attempts: list[tuple] = field(default_factory=list)

    def resolve(self, host, port, *args, **kwargs):
        self.lookups.append(host)
        queue = self.answers.get(host)
        if not queue:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in addresses]

    def connect(self, sock, address):
        self.attempts.append(address)
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def network(monkeypatch):
    net = Network()
    monkeypatch.setattr(socket, "getaddrinfo", net.resolve)
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: net.connect(sock, address))
    return net


def erp(url: str, policy: OutboundPolicy = STRICT) -> VendorHTTP:
    return VendorHTTP(url, table=ERPNEXT, headers={"Authorization": f"token key:{SECRET}"}, secrets=(SECRET,),
                      timeout=2, policy=policy)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "http://erp.example.com",
                                 "https://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/",
                                 "https://2130706433/", "https://0x7f.1/", "https://0177.0.0.1/",
                                 "https://127.0.0.1:6379/", "https://0.0.0.0/", "https://[::1]/"])
def test_refused_addresses_fail_when_the_connector_is_built(network, url):
    with pytest.raises(UpstreamMisconfigured) as info:
        erp(url)
    assert info.value.reason == "erp_url_refused" and not info.value.retriable
    assert network.lookups == [] and network.attempts == []


@pytest.mark.parametrize("resolved", [["169.254.169.254"], ["127.0.0.1"], ["0.0.0.0"], ["10.0.0.5"],
                                      ["::ffff:169.254.169.254"], ["fe80::1%eth0"], ["fd00:ec2::254"],
                                      ["::1", "127.0.0.1"]])
def test_a_name_resolving_to_a_refused_address_is_never_connected_to(network, resolved):
    network.answers["erp.attacker.example"] = [resolved]
    with pytest.raises(UpstreamUnavailable) as info:
        erp("https://erp.attacker.example").request("GET", "api/method/ping")
    assert network.lookups == ["erp.attacker.example"] and network.attempts == []
    assert info.value.message == UNREACHABLE.format(vendor="ERPNext", host="erp.attacker.example")
    assert SECRET not in info.value.message and resolved[0] not in info.value.message


def test_dns_rebinding_is_judged_on_the_address_actually_connected_to(network):
    # first answer public (as when the admin saved the URL), then the name is rebound to a private address
    network.answers["erp.rebind.example"] = [["93.184.216.34"], ["10.0.0.5"]]
    client = erp("https://erp.rebind.example")
    with pytest.raises(UpstreamUnavailable) as first:
        client.request("GET", "api/resource/Customer")
    assert network.attempts == [("93.184.216.34", 443)]
    with pytest.raises(UpstreamUnavailable) as second:
        client.request("GET", "api/resource/Customer")
    assert network.attempts == [("93.184.216.34", 443)], "the rebound private address must not be connected to"
    assert network.lookups == ["erp.rebind.example", "erp.rebind.example"]
    assert second.value.message == first.value.message and second.value.reason == first.value.reason


def test_listed_networks_are_connected_to_but_metadata_never(network):
    network.answers["erp.office.lan"] = [["169.254.169.254", "10.0.0.5"]]
    with pytest.raises(UpstreamUnavailable):
        erp("https://erp.office.lan", ON_PREMISES).request("GET", "api/ping")
    assert network.attempts == [("10.0.0.5", 443)]


def test_redirects_are_not_followed_so_credentials_stay_home():
    with responses.RequestsMock() as mock:
        mock.get("https://erp.example.com/api/resource/Customer", status=302,
                 headers={"Location": "https://collector.attacker.example/steal"})
        with pytest.raises(UpstreamMisconfigured) as info:
            erp("https://erp.example.com").request("GET", "api/resource/Customer")
        assert [c.request.url for c in mock.calls] == ["https://erp.example.com/api/resource/Customer"]
    assert info.value.reason == "erp_redirect_refused" and info.value.status == 302
    assert "collector.attacker.example" not in info.value.message and SECRET not in info.value.message


def test_oauth_token_calls_refuse_redirects_too(clock):
    from app.crm.oauth.client import OAuthClient
    from app.crm.pipedrive.oauth import ENDPOINTS
    oauth = OAuthClient(ENDPOINTS, client_id="client-id", client_secret="client-secret",
                        redirect_uri="https://erp-panel.test/cb", timeout=5)
    with responses.RequestsMock() as mock:
        mock.post(ENDPOINTS.token_url, status=307, headers={"Location": "https://collector.attacker.example/token"})
        with pytest.raises(UpstreamMisconfigured) as info:
            oauth.exchange("code-123")
        assert len(mock.calls) == 1
    assert info.value.reason == "crm_redirect_refused"


@pytest.fixture
def open_and_closed_ports():
    """A loopback port that accepts connections and hangs up (a non-HTTP service), and a closed one."""
    import threading
    server = socket.create_server(("127.0.0.1", 0))
    spare = socket.create_server(("127.0.0.1", 0))
    closed_port = spare.getsockname()[1]
    spare.close()

    def hang_up() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    yield server.getsockname()[1], closed_port
    server.close()


@pytest.mark.loopback
def test_test_connection_answers_the_same_for_an_open_and_a_closed_port(open_and_closed_ports, clock):
    from app.erp.erpnext import build_erpnext
    from app.erp.registry import ConnectorContext
    from app.tenants.model import ERPConnectionSettings
    policy = OutboundPolicy.from_lists(allow_http=True, allowed_networks=["127.0.0.0/8"])
    ctx = ConnectorContext(clock=clock, timeout=2, outbound=policy,
                           http_retries=0)
    checks = []
    for port in open_and_closed_ports:
        conn = ERPConnectionSettings("erpnext", {"url": f"http://127.0.0.1:{port}", "company": "Acme"},
                                     {"api_key": "k" * 8, "api_secret": SECRET})
        connector = build_erpnext(conn, ctx)
        check = connector.check_connection()
        connector.close()
        checks.append((check.ok, check.reason, check.message.replace(str(port), "<port>"), check.details))
    assert checks[0] == checks[1], "an open port must not be told apart from a closed one"
    assert checks[0][:2] == (False, "wrong_url") and "Could not connect to ERPNext" in checks[0][2]
