"""The outbound HTTP guard against a real server on loopback: internal destinations refused unless
OUTBOUND_ALLOW lets them through, one DNS answer used for the check and the connection, no
redirects followed, the body read up to a cap, timeouts, and no URL secret in any error."""

from __future__ import annotations

import base64
import socket
import time

import pytest

from otklik.core import outbound
from otklik.core.outbound import OutboundError, OutboundRefused, OutboundTimeout, check_destination, post
from otklik.testing.http import LoopbackHTTPServer, Reply


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8000/hook",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "https://127.1/",
    ],
)
def test_internal_destinations_are_refused(settings, url):
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(OutboundRefused, match="internal address"):
        check_destination(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/", "example.org/hook", "http:///path"]
)
def test_other_schemes_and_hostless_urls_are_refused(url):
    with pytest.raises(OutboundRefused):
        check_destination(url)


def test_refused_is_a_value_error_and_public_addresses_pass(settings):
    settings.OUTBOUND_ALLOW = []
    assert issubclass(OutboundRefused, ValueError)
    check_destination("https://93.184.215.14/hook")  # a public address literal: no DNS needed
    check_destination("http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/")


@pytest.mark.parametrize(
    "allow", [["127.0.0.1"], ["127.0.0.0/8"], "10.0.0.0/8, 127.0.0.1", ["LOCALHOST"], ["localhost."]]
)
def test_allow_list_lets_hosts_addresses_and_networks_through(settings, allow):
    settings.OUTBOUND_ALLOW = allow
    url = "http://localhost:9/" if "localhost" in str(allow).lower() else "http://127.0.0.1:9/"
    check_destination(url)
    with pytest.raises(OutboundRefused):
        check_destination("http://192.168.0.1/")


def test_post_delivers_and_returns_status_headers_and_text(allow_loopback):
    with LoopbackHTTPServer([Reply(201, body="créé", headers={"X-Id": "42"})]) as server:
        response = post(
            server.url + "/hook?x=1", body=b'{"a": 1}', headers={"Content-Type": "application/json"}, timeout=5
        )
        (request,) = server.requests
    assert (response.status, response.text, response.headers["x-id"], response.truncated) == (201, "créé", "42", False)
    assert (request.method, request.path, request.query, request.body) == ("POST", "/hook", "x=1", b'{"a": 1}')
    assert request.header("content-type") == "application/json"
    assert request.header("Host") == f"127.0.0.1:{server.port}"


def test_credentials_in_the_url_become_basic_auth(allow_loopback):
    with LoopbackHTTPServer() as server:
        post(f"http://otklik:p%40ss@127.0.0.1:{server.port}/", body=b"", headers={}, timeout=5)
        (request,) = server.requests
    assert request.header("Authorization") == "Basic " + base64.b64encode(b"otklik:p@ss").decode()


def test_one_dns_answer_is_checked_and_connected_to(settings, monkeypatch):
    """DNS rebinding: the second answer (an address the guard would refuse) is never asked for;
    the connection goes to the checked address while Host still names the host."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.9.9.9", "10.9.9.9"])
    asked: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.rebind.test":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return real(next(answers), port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with LoopbackHTTPServer() as server:
        response = post(f"http://hooks.rebind.test:{server.port}/h", body=b"x", headers={}, timeout=5)
        (request,) = server.requests
    assert response.status == 200
    assert asked == ["hooks.rebind.test"]
    assert request.header("Host") == f"hooks.rebind.test:{server.port}"


def test_a_host_allowed_by_name_is_reached_whatever_it_resolves_to(settings):
    settings.OUTBOUND_ALLOW = ["localhost"]
    # localhost may resolve to ::1 first, where nothing listens: the next checked address is tried.
    with LoopbackHTTPServer() as server:
        response = post(f"http://localhost:{server.port}/", body=b"", headers={}, timeout=5)
        (request,) = server.requests
    assert response.status == 200
    assert request.header("Host") == f"localhost:{server.port}"


def test_redirects_are_not_followed(allow_loopback):
    with LoopbackHTTPServer(default=200) as server:
        server.answer(Reply(302, headers={"Location": f"{server.url}/elsewhere"}))
        response = post(server.url + "/hook", body=b"{}", headers={}, timeout=5)
        paths = [r.path for r in server.requests]
    assert response.status == 302
    assert response.headers["location"].endswith("/elsewhere")
    assert paths == ["/hook"]


def test_the_body_is_read_up_to_the_cap(allow_loopback):
    with LoopbackHTTPServer([Reply(200, body=b"x" * (outbound.MAX_BODY * 3))]) as server:
        response = post(server.url, body=b"", headers={}, timeout=5)
    assert len(response.text) == outbound.MAX_BODY
    assert response.truncated


def test_a_slow_server_times_out(allow_loopback):
    with LoopbackHTTPServer([Reply(200, delay=2)]) as server:
        t0 = time.monotonic()
        with pytest.raises(OutboundTimeout) as caught:
            post(server.url + "/slow", body=b"", headers={}, timeout=0.3)
        elapsed = time.monotonic() - t0
    assert elapsed < 1.5
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, OutboundError)
    assert "no response within 0.3 s" in str(caught.value)


def test_a_closed_port_is_a_connection_error(allow_loopback):
    with pytest.raises(OutboundError) as caught:
        post(f"http://127.0.0.1:{free_port()}/", body=b"", headers={}, timeout=2)
    assert not isinstance(caught.value, OutboundTimeout)
    assert "cannot connect" in caught.value.reason


def test_errors_never_show_the_path_query_or_credentials(settings):
    secret_parts = ["hunter2pass", "webhookuser", "T0KEN-IN-PATH", "QUERYSECRET", "FRAGSECRET"]
    url = "http://webhookuser:hunter2pass@{host}/services/T0KEN-IN-PATH?key=QUERYSECRET#FRAGSECRET"
    errors: list[Exception] = []
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(OutboundRefused) as refused:
        post(url.format(host="127.0.0.1:1"), body=b"", headers={}, timeout=1)
    errors.append(refused.value)
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    with pytest.raises(OutboundError) as failed:
        post(url.format(host=f"127.0.0.1:{free_port()}"), body=b"", headers={}, timeout=1)
    errors.append(failed.value)
    with LoopbackHTTPServer([Reply(200, delay=2)]) as server:
        with pytest.raises(OutboundTimeout) as slow:
            post(url.format(host=f"127.0.0.1:{server.port}"), body=b"", headers={}, timeout=0.2)
        errors.append(slow.value)
    with pytest.raises(OutboundRefused) as bad_port:
        post("http://user:hunter2pass@127.0.0.1:notaport/T0KEN-IN-PATH", body=b"", headers={}, timeout=1)
    errors.append(bad_port.value)
    for error in errors:
        text = f"{error} {error!r} {error.args}"
        assert not any(part in text for part in secret_parts), text


def test_url_secrets_and_scrub():
    url = "tgram://123456789:AAH-bot_token/%2B79991234567?secret=Q%20S&x=1#frag"
    secrets = outbound.url_secrets(url, min_length=4, include_host=True)
    text = "bot 123456789:AAH-bot_token failed for +79991234567 with Q S (frag)"
    cleaned = outbound.scrub(text, secrets)
    for part in ["123456789", "AAH-bot_token", "+79991234567", "Q S", "frag"]:
        assert part not in cleaned, cleaned
    assert outbound.scrub("nothing here", []) == "nothing here"
