"""The outbound URL policy without any network: schemes, credentials, IP spellings, address ranges."""
from __future__ import annotations

import pytest

from app.config import load_settings
from app.errors import ConfigError
from app.net.addresses import Reach, parse_address, reach_of
from app.net.policy import OutboundPolicy, URLRefused

STRICT = OutboundPolicy()
ON_PREMISES = OutboundPolicy.from_lists(allow_http=True, allowed_networks=["10.0.0.0/8", "127.0.0.0/8"])
EVERYTHING_LISTED = OutboundPolicy.from_lists(allowed_networks=["0.0.0.0/0", "::/0"])


@pytest.fixture(autouse=True)
def instance_dir(tmp_path, monkeypatch):
    """load_settings writes development keys into the instance directory: keep them in tmp."""
    monkeypatch.setattr("app.config.INSTANCE_DIR", str(tmp_path))


def refusal(policy: OutboundPolicy, url: str) -> URLRefused:
    with pytest.raises(URLRefused) as info:
        policy.check_url(url)
    assert info.value.message.endswith(".")
    return info.value


@pytest.mark.parametrize("url", ["https://erp.example.com", "https://erp.example.com:8443/odoo",
                                 "https://93.184.216.34/", "https://[2606:2800:220:1::]/"])
def test_public_https_addresses_pass(url):
    assert STRICT.check_url(url).scheme == "https"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://erp.example.com:70/_x", "ftp://erp.example.com",
                                 "javascript:alert(1)"])
def test_other_schemes_are_refused_with_the_rule_named(url):
    assert refusal(STRICT, url).reason in ("url_bad_scheme", "url_not_https")


@pytest.mark.parametrize("url", ["erp.example.com", "erp.example.com:8443/odoo", "localhost:8000"])
def test_an_address_without_a_scheme_gets_a_sentence_with_the_fix(url):
    refused = refusal(STRICT, url)
    assert refused.reason == "url_no_scheme" and f"write it as https://{url}." in refused.message


def test_plain_http_only_when_the_operator_allows_it():
    assert refusal(STRICT, "http://erp.example.com").reason == "url_not_https"
    assert "ERP_ALLOW_HTTP" in refusal(STRICT, "http://erp.example.com").message
    assert ON_PREMISES.check_url("http://erp.example.com").hostname == "erp.example.com"


def test_credentials_in_the_url_are_refused():
    assert refusal(STRICT, "https://admin:pw@erp.example.com").reason == "url_has_credentials"


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.0.0.1",
                                  "017700000001", "2852039166"])
def test_integer_octal_and_hex_spellings_are_refused(host):
    # every one of these reaches 127.0.0.1 or 169.254.169.254 through inet_aton
    error = refusal(EVERYTHING_LISTED, f"https://{host}/")
    assert error.reason == "url_ip_spelling" and host in error.message


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "0.0.0.0", "[::1]", "[::]",
                                  "[fd12:3456::1]", "100.64.0.1"])
def test_private_loopback_and_unspecified_literals_need_an_operator_listed_network(host):
    error = refusal(STRICT, f"https://{host}/")
    assert error.reason == "url_private_address" and "ERP_ALLOWED_NETWORKS" in error.message


def test_listed_networks_open_exactly_those_ranges():
    assert ON_PREMISES.check_url("http://10.20.30.40:8000").port == 8000
    assert ON_PREMISES.check_url("https://127.0.0.1/").hostname == "127.0.0.1"
    assert refusal(ON_PREMISES, "https://192.168.1.1/").reason == "url_private_address"


@pytest.mark.parametrize("host", ["169.254.169.254", "169.254.0.1", "[fe80::1]", "[fd00:ec2::254]",
                                  "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "100.100.100.200",
                                  "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::1]", "224.0.0.1"])
def test_link_local_and_metadata_are_never_reachable_even_when_everything_is_listed(host):
    error = refusal(EVERYTHING_LISTED, f"https://{host}/latest/meta-data/")
    assert error.reason == "url_forbidden_address"


def test_resolved_addresses_are_judged_the_same_way():
    assert reach_of(parse_address("8.8.8.8")) is Reach.PUBLIC
    assert reach_of(parse_address("10.0.0.1")) is Reach.PRIVATE
    assert reach_of(parse_address("fe80::1%eth0")) is Reach.NEVER
    assert not EVERYTHING_LISTED.allows_address("169.254.169.254")
    assert EVERYTHING_LISTED.allows_address("10.0.0.1") and not STRICT.allows_address("10.0.0.1")
    assert not STRICT.allows_address("not-an-address")


@pytest.mark.parametrize("value, problem", [("10.0.0.0/33", "not a network"), ("intranet", "not a network"),
                                            ("169.254.0.0/16", "never allowed"),
                                            ("fd00:ec2::254", "never allowed")])
def test_a_network_the_operator_cannot_list_stops_the_start(value, problem):
    with pytest.raises(ConfigError) as info:
        load_settings({"ERP_ALLOWED_NETWORKS": value, "ERP_PANEL_ENV": "test"})
    assert "ERP_ALLOWED_NETWORKS" in str(info.value) and problem in str(info.value)


def test_settings_build_the_policy():
    from app.config import outbound_policy
    settings = load_settings({"ERP_ALLOWED_NETWORKS": "10.0.0.0/8, 192.168.10.0/24", "ERP_ALLOW_HTTP": "1",
                              "ERP_PANEL_ENV": "test"})
    policy = outbound_policy(settings)
    assert policy.allow_http and policy.allows_address("192.168.10.7") and not policy.allows_address("192.168.11.7")
