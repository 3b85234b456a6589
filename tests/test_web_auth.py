"""Signing in and out of the pages, the throttle on wrong passwords, the language switch and the
start page that sends each person to their work. Ivan files requests; Alexei is an agent."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.web.models import LoginFailure

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


def _csrf(client: Client, path: str = "/login") -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def _login(client: Client, username: str, password: str, **extra: str):
    token = _csrf(client)
    return client.post("/login", {"username": username, "password": password, "csrfmiddlewaretoken": token, **extra})


def test_sign_in_sends_each_person_to_their_work(browser, personas):
    page = browser.get("/login")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    r = _login(browser, "initiator", "initiator")
    assert (r.status_code, r["Location"]) == (302, "/")
    assert browser.get("/")["Location"] == "/my"
    # Each lands where their work is: agents on the queue, leads and managers on the dashboard.
    for who, place in (("agent", "/work"), ("agent2", "/work"), ("lead", "/dashboard"), ("manager", "/dashboard")):
        staff = Client()
        staff.force_login(getattr(personas, who))
        assert staff.get("/")["Location"] == place, who


def test_the_sign_in_page_reads_nothing_from_the_database(browser, personas, django_assert_num_queries):
    browser.get("/login")
    with django_assert_num_queries(0):
        assert browser.get("/login").status_code == 200


def test_pages_need_a_session_and_a_safe_next(browser, personas):
    assert browser.get("/")["Location"].startswith("/login?next=/")
    r = _login(browser, "initiator", "initiator", next="https://evil.example/")
    assert r["Location"] == "/"  # never off the site
    other = Client(enforce_csrf_checks=True)
    r = _login(other, "initiator", "initiator", next="/my")
    assert r["Location"] == "/my"


def test_wrong_passwords_are_throttled_with_a_clear_message(browser, personas):
    for _ in range(5):
        r = _login(browser, "initiator", "nope")
        assert r.status_code == 400
        assert "The user name or the password is wrong." in r.content.decode()
    r = _login(browser, "initiator", "initiator")  # the right one, too late
    assert r.status_code == 429
    assert "Too many failed attempts. Try again in 15 min." in r.content.decode()
    assert LoginFailure.objects.filter(username="initiator").count() == 5
    # Another person is not locked out by Ivan's typos.
    assert _login(Client(enforce_csrf_checks=True), "agent", "agent").status_code == 302


def test_behind_a_trusted_proxy_failures_count_against_the_client_not_the_proxy(personas, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en", HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert _login(client, "initiator", "nope").status_code == 400
    assert list(LoginFailure.objects.values_list("address", flat=True)) == ["198.51.100.3"]


def test_sign_out_is_a_post_with_csrf(browser, personas):
    _login(browser, "initiator", "initiator")
    assert browser.get("/logout").status_code == 405
    assert browser.post("/logout").status_code == 403  # no CSRF token
    token = browser.cookies["csrftoken"].value
    r = browser.post("/logout", {"csrfmiddlewaretoken": token})
    assert r["Location"] == "/login"
    assert browser.get("/my")["Location"].startswith("/login")


def test_the_language_follows_the_browser_then_the_persons_choice(personas):
    guest = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="en">' in guest.get("/login").content.decode()
    assert "Sign in" in guest.get("/login").content.decode()
    ru = Client(HTTP_ACCEPT_LANGUAGE="ru")
    assert "Войти" in ru.get("/login").content.decode()
    ivan = Client(HTTP_ACCEPT_LANGUAGE="en")
    ivan.force_login(personas.initiator)
    r = ivan.post("/language", {"language": "en", "next": "/login"})
    assert r["Location"] == "/login"
    personas.initiator.refresh_from_db()
    assert personas.initiator.language == "en"
    ivan.post("/language", {"language": "xx"})  # ignored, no error
    personas.initiator.refresh_from_db()
    assert personas.initiator.language == "en"


def test_error_pages_are_the_products_own(browser, personas):
    r = browser.get("/no/such/page")
    assert r.status_code == 404
    html = r.content.decode()
    assert "<main" in html and 'class="brand"' in html and "Traceback" not in html


def test_an_upload_over_the_limit_gets_the_products_page(personas, settings):
    client = Client()
    client.force_login(personas.initiator)
    r = client.generic(
        "POST",
        "/new/error",
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.MAX_ATTACHMENT_BYTES * 3),
    )
    assert r.status_code == 413
    html = r.content.decode()
    assert "<main" in html and "Traceback" not in html
