"""Pairing a notifier without a raw token (accounts/pairing.py, api/notifier.py, the page
Settings → Desktop notifier): the notifier asks for a code, the person confirms it signed in
(CSRF-protected), the notifier claims a token that may only read notifications — once, with the
secret only it holds; codes expire; starting, polling and mistyping are limited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client

from otklik.accounts.models import ApiToken, NotifierPairing
from otklik.accounts.pairing import STARTS_PER_ADDRESS, WRONG_CODES_PER_PERSON
from otklik.api.notifier import ClaimOut, PairOut, PendingOut
from otklik.core.clock import now
from otklik.notify.models import Notification
from otklik.testing.factories import file_error
from otklik.workflow import ticket_comment

pytestmark = pytest.mark.django_db

PAIR = "/api/v1/notifier/pair"


@pytest.fixture(autouse=True)
def _no_leftover_limits():
    cache.clear()  # the wrong-code counter lives in the cache
    yield
    cache.clear()


def start(client: Client | None = None, device: str = "ivan-laptop", address: str = "127.0.0.1") -> dict:
    r = (client or Client()).post(PAIR, {"device": device}, content_type="application/json", REMOTE_ADDR=address)
    assert r.status_code == 201, r.content
    return r.json()


def claim(info: dict, secret: str | None = None, pair_id: str | None = None):
    NotifierPairing.objects.update(polled_at=None)  # the tests look at once; the pace is tested apart
    return Client().post(
        f"{PAIR}/{pair_id or info['pair_id']}/claim",
        {"secret": info["secret"] if secret is None else secret},
        content_type="application/json",
    )


def signed_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def confirm(client: Client, code: str, answer: str = "confirm"):
    return client.post("/settings/notifier", {"code": code, "answer": answer})


def look(client: Client, code: str):
    """The person types the code their notifier shows and presses Next."""
    return client.post("/settings/notifier", {"code": code})


def test_the_whole_pairing_gives_a_token_that_reads_notifications_only(personas, settings):
    p = personas
    info = start()
    assert re.fullmatch(r"[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}", info["code"])
    assert info["interval"] > 0 and info["verify_url"] == f"{settings.BASE_URL}/settings/notifier"
    assert info["verify_url_complete"] == info["verify_url"]  # no code in any link (see the test below)
    stored = NotifierPairing.objects.get()
    assert info["secret"] not in (stored.secret_hash, stored.public_id, stored.code)  # only its hash is kept
    assert claim(info).status_code == 202 and claim(info).json() == {"status": "pending", "interval": info["interval"]}
    PairOut.model_validate(info)  # the answers are the documented ones (api/respond.py skips the check)
    PendingOut.model_validate(claim(info).json())

    # The person types the code: the page shows it, the device and its address, and asks.
    ivan = signed_in(p.initiator)
    page = look(ivan, info["code"].lower().replace("-", " "))
    text = page.content.decode()
    assert page.status_code == 200 and info["code"] in text and "ivan-laptop" in text and "127.0.0.1" in text
    assert "access to read all your notifications" in text
    r = confirm(ivan, info["code"])
    assert r.status_code == 302
    assert "is paired with you" in ivan.get("/settings/notifier").content.decode()

    r = claim(info)
    assert r.status_code == 200, r.content
    body = r.json()
    ClaimOut.model_validate(body)
    assert body["status"] == "confirmed"
    assert body["user"] == {
        "username": "initiator",
        "name": p.initiator.display_name,
        "time_zone": p.initiator.time_zone,
        "language": "en",
    }
    token = body["token"]
    row = ApiToken.objects.get(pk=NotifierPairing.objects.get().token_id)
    assert (row.user_id, row.scope, row.name) == (p.initiator.pk, "notifications", "Notifier: ivan-laptop")
    assert token not in row.key_hash

    # What it may do: its person's inbox, marking read, who it reads for.
    t = file_error(p.initiator, subject="Отчёт не формируется")
    ticket_comment(ticket=t, actor=p.lead, body="Смотрим")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    inbox = Client().get("/api/v1/notifications", **bearer)
    assert inbox.status_code == 200
    me = Client().get("/api/v1/me", **bearer)
    assert (me.status_code, me.json()["username"]) == (200, "initiator")
    mine = [n for n in inbox.json()["items"] if n["ticket"] and n["ticket"]["number"] == t.number]
    assert mine
    assert Client().post(f"/api/v1/notifications/{mine[0]['id']}/read", **bearer).status_code == 200
    someone_elses = Notification.objects.filter(channel="inapp").exclude(recipient=p.initiator).first()
    assert Client().post(f"/api/v1/notifications/{someone_elses.pk}/read", **bearer).status_code == 404
    # And nothing else: no requests, no new tokens, no settings.
    for method, path in [
        ("get", "/api/v1/tickets"),
        ("get", f"/api/v1/tickets/{t.pk}"),
        ("post", "/api/v1/tokens"),
        ("get", "/api/v1/tokens"),
        ("get", "/api/v1/notifications/preferences"),
        ("get", "/api/v1/catalog"),
    ]:
        r = getattr(Client(), method)(path, content_type="application/json", **bearer)
        assert (r.status_code, r.json()["code"]) == (403, "token_scope"), (path, r.content)

    # The paired notifier is listed, and disconnecting it stops it at once.
    page = ivan.get("/settings/notifier").content.decode()
    assert "Notifier on “ivan-laptop”" in page
    r = ivan.post(f"/settings/notifier/{row.pk}/disconnect")
    assert r.status_code == 302
    assert Client().get("/api/v1/notifications", **bearer).status_code == 401


def test_a_link_carrying_the_code_neither_fills_it_in_nor_shows_the_pairing(personas):
    """Someone who started a pairing and sent the link to another person gets nothing from a click:
    the page asks for the code as if the link had none, and nothing is confirmed."""
    info = start(device="attacker-pc", address="198.51.100.9")
    ivan = signed_in(personas.initiator)
    page = ivan.get("/settings/notifier", {"code": info["code"]})
    text = page.content.decode()
    assert page.status_code == 200
    assert f'value="{info["code"]}"' not in text  # the language switch's "next" may echo the address
    assert "attacker-pc" not in text and "198.51.100.9" not in text and 'data-testid="pair-code"' not in text
    assert 'name="answer"' not in text  # no confirm button
    assert NotifierPairing.objects.get().confirmed_at is None and NotifierPairing.objects.get().user_id is None


def test_a_code_is_single_use_and_its_token_is_claimed_once(personas):
    info = start()
    confirm(signed_in(personas.initiator), info["code"])
    assert claim(info).status_code == 200
    again = claim(info)
    assert (again.status_code, again.json()["code"]) == (410, "claimed")
    # Confirming the same code again (another tab, someone else) finds nothing waiting.
    r = confirm(signed_in(personas.initiator2), info["code"])
    assert r.status_code == 404
    assert ApiToken.objects.filter(scope="notifications").count() == 1


def test_only_the_notifier_with_the_secret_can_claim(personas):
    """Someone who saw the code, or the pair id, or even confirmed it, cannot collect the token."""
    info = start()
    confirm(signed_in(personas.initiator), info["code"])
    other = start(device="thief")
    for r in (
        claim(info, secret="not-the-secret"),
        claim(info, secret=other["secret"]),  # a real secret, of another pairing
        claim(info, secret=""),
        claim(info, pair_id=other["pair_id"]),  # this secret with another id
        claim(info, pair_id="nope"),
    ):
        assert r.status_code == 404, r.content  # as if there were no such pairing: not even "pending"
        assert "token" not in r.json()
    assert claim(info, pair_id=other["pair_id"]).status_code == 404
    assert claim(info).status_code == 200  # the rightful notifier still can


def test_a_code_confirmed_by_someone_else_reads_their_notifications_not_the_asker(personas):
    """The token belongs to whoever confirmed: a person cannot pair a notifier to someone else."""
    info = start()
    confirm(signed_in(personas.agent), info["code"])
    body = claim(info).json()
    assert body["user"]["username"] == "agent"
    assert ApiToken.objects.get(scope="notifications").user_id == personas.agent.pk


def test_an_expired_code_cannot_be_confirmed_or_claimed(personas):
    info = start()
    NotifierPairing.objects.update(expires_at=now() - dt.timedelta(seconds=1))
    ivan = signed_in(personas.initiator)
    page = look(ivan, info["code"])
    assert page.status_code == 404 and "No notifier is waiting for this code" in page.content.decode()
    assert confirm(ivan, info["code"]).status_code == 404
    r = claim(info)
    assert (r.status_code, r.json()["code"]) == (410, "expired")


def test_a_declined_code_gives_no_token(personas):
    info = start()
    r = confirm(signed_in(personas.initiator), info["code"], answer="decline")
    assert r.status_code == 302
    r = claim(info)
    assert (r.status_code, r.json()["code"]) == (403, "declined")
    assert not ApiToken.objects.filter(scope="notifications").exists()


def test_confirming_needs_a_signed_in_person_and_the_csrf_token(personas):
    info = start()
    anonymous = Client().post("/settings/notifier", {"code": info["code"], "answer": "confirm"})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    forged = signed_in(personas.initiator, csrf=True)
    assert confirm(forged, info["code"]).status_code == 403
    assert NotifierPairing.objects.get().confirmed_at is None
    # The page's own form carries the token.
    assert look(forged, info["code"]).status_code == 403  # typing the code is a form with the token too
    page = forged.get("/settings/notifier").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    shown = forged.post("/settings/notifier", {"code": info["code"], "csrfmiddlewaretoken": csrf})
    assert shown.status_code == 200 and info["code"] in shown.content.decode()
    r = forged.post("/settings/notifier", {"code": info["code"], "answer": "confirm", "csrfmiddlewaretoken": csrf})
    assert r.status_code == 302 and NotifierPairing.objects.get().confirmed_at is not None


def test_someone_elses_notifier_cannot_be_disconnected(personas):
    info = start()
    confirm(signed_in(personas.initiator), info["code"])
    token = claim(info).json()["token"]
    row = ApiToken.objects.get(scope="notifications")
    r = signed_in(personas.initiator2).post(f"/settings/notifier/{row.pk}/disconnect")
    assert r.status_code == 404
    # A full API token of the same person is not a notifier either: this page does not revoke it.
    full = ApiToken.objects.create(user=personas.initiator2, key_hash="x" * 64, hint="otk_x")
    assert signed_in(personas.initiator2).post(f"/settings/notifier/{full.pk}/disconnect").status_code == 404
    full.refresh_from_db()
    assert full.revoked_at is None
    assert Client().get("/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_starting_polling_and_mistyping_are_limited(personas):
    for _ in range(STARTS_PER_ADDRESS):
        start(address="203.0.113.7")
    r = Client().post(PAIR, {"device": "x"}, content_type="application/json", REMOTE_ADDR="203.0.113.7")
    assert (r.status_code, r.json()["code"]) == (429, "slow_down")
    info = start(address="203.0.113.8")  # another address is not held back

    url = f"{PAIR}/{info['pair_id']}/claim"
    body = {"secret": info["secret"]}
    assert Client().post(url, body, content_type="application/json").status_code == 202
    r = Client().post(url, body, content_type="application/json")  # at once again: too soon
    assert (r.status_code, r.json()["code"]) == (429, "slow_down")

    ivan = signed_in(personas.initiator)
    for _ in range(WRONG_CODES_PER_PERSON):
        assert confirm(ivan, "BBBB-BBBB").status_code == 404
    r = confirm(ivan, info["code"])  # even the right code waits now
    assert r.status_code == 429 and "Too many wrong codes" in r.content.decode()
    assert NotifierPairing.objects.get(public_id=info["pair_id"]).confirmed_at is None


def test_behind_a_trusted_proxy_the_limit_is_per_client_not_per_proxy(personas, settings):
    """Everyone comes from the proxy's address: one busy client must not hold back the others."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    def via_proxy(client_ip: str):
        return Client().post(
            PAIR,
            {"device": "x"},
            content_type="application/json",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=client_ip,
        )

    for _ in range(STARTS_PER_ADDRESS):
        assert via_proxy("203.0.113.7").status_code == 201
    r = via_proxy("203.0.113.7")
    assert (r.status_code, r.json()["code"]) == (429, "slow_down")
    assert via_proxy("198.51.100.2").status_code == 201  # another person behind the same proxy
    assert NotifierPairing.objects.filter(address="198.51.100.2").count() == 1
    # Without the proxy trusted, the header is the client's word and is ignored.
    settings.TRUSTED_PROXIES = []
    r = via_proxy("192.0.2.44")
    assert r.status_code == 201 and NotifierPairing.objects.filter(address="127.0.0.1").count() == 1


def test_bad_input_is_a_clear_4xx(personas):
    r = Client().post(PAIR, {"device": "x" * 101}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "device"
    r = Client().post(PAIR, {"name": "x"}, content_type="application/json")
    assert r.status_code == 422
    r = Client().post(f"{PAIR}/abc/claim", {}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "required"
    r = Client().post(f"{PAIR}/abc/claim", {"secret": "s" * 201}, content_type="application/json")
    assert r.status_code == 422
    ivan = signed_in(personas.initiator)
    assert look(ivan, "<script>").status_code == 404
    assert "<script>" not in look(ivan, "<script>").content.decode()
    assert confirm(ivan, "", answer="confirm").status_code == 404


def test_an_inactive_persons_confirmed_code_gives_no_token(personas):
    info = start()
    confirm(signed_in(personas.initiator2), info["code"])
    personas.initiator2.is_active = False
    personas.initiator2.save(update_fields=["is_active"])
    r = claim(info)
    assert (r.status_code, r.json()["code"]) == (403, "inactive")


def test_the_pairing_endpoints_are_documented_without_a_token(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (PAIR, PAIR + "/{pair_id}/claim"):
        assert "post" in paths[path] and not paths[path]["post"].get("security"), path
