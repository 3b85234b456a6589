"""The client's address behind a reverse proxy (core/clientaddr.py): X-Forwarded-For counts only
when REMOTE_ADDR is a trusted proxy, and then its right-most hop that is not one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from otklik.core.clientaddr import client_address, parse_networks


def _request(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert client_address(_request("")) is None
    assert client_address(_request("not-an-ip")) is None


def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address(_request("127.0.0.1", "198.51.100.1")) == "198.51.100.1"
    # The client may write anything to the left; the proxies' own hops are skipped.
    assert client_address(_request("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.5")) == "198.51.100.1"
    assert client_address(_request("127.0.0.1", "[2001:db8::1]:443")) == "2001:db8::1"
    assert client_address(_request("127.0.0.1", "198.51.100.1:5555")) == "198.51.100.1"
    # No header, or garbage: the proxy's address (never a made-up one).
    assert client_address(_request("127.0.0.1")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1", "garbage, ")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1", "198.51.100.9, garbage")) == "127.0.0.1"
    # A request not from a trusted proxy cannot pick its address.
    assert client_address(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert client_address(_request("::ffff:127.0.0.1", "198.51.100.1")) == "198.51.100.1"


def test_a_bad_trusted_proxy_is_a_configuration_error():
    assert [str(n) for n in parse_networks(["10.0.0.1", "10.0.0.0/8", "::1"])] == [
        "10.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    with pytest.raises(ImproperlyConfigured, match="OTKLIK_TRUSTED_PROXIES"):
        parse_networks(["nginx"])
