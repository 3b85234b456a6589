"""Authentication: bearer tokens (hashed at rest, revocable, expiring), the `otklik token`
command, and the browser session with its CSRF check."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import ApiToken

UNAUTHORIZED = {"detail": "authentication required: send 'Authorization: Bearer <token>'", "code": "unauthorized"}


def bearer(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_no_token_is_401_with_detail_and_code(db):
    r = Client().get("/api/v1/me")
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED


def test_no_token_on_a_write_is_401_and_writes_nothing(personas):
    from otklik.tickets.models import Ticket

    before = Ticket.objects.count()
    r = Client().post(
        "/api/v1/tickets", {"type": "error", "subject": "x", "fields": {"steps": "s"}}, content_type="application/json"
    )
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert Ticket.objects.count() == before


@pytest.mark.parametrize(
    "header",
    [
        "Bearer otk_definitely-not-issued",
        "Bearer ",
        "Bearer " + "x" * 500,
        "Basic aW5pdGlhdG9yOmluaXRpYXRvcg==",
        "otk_no_scheme_at_all",
    ],
)
def test_a_bad_token_is_401(personas, header):
    r = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED


def test_a_working_token_identifies_its_user(api):
    r = api("agent").get("/me")
    assert r.status_code == 200
    assert r.json()["username"] == "agent"


def test_created_token_is_shown_once_and_works(api):
    r = api("initiator").post("/tokens", {"name": "laptop"})
    assert r.status_code == 201
    body = r.json()
    raw = body["token"]
    assert raw.startswith("otk_") and len(raw) > 30
    assert body["name"] == "laptop"
    assert body["hint"] == raw[:10]
    assert body["revoked_at"] is None and body["expires_at"] is None

    me = bearer(raw).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "initiator"

    listed = api("initiator").get("/tokens").json()
    mine = [t for t in listed if t["id"] == body["id"]]
    assert len(mine) == 1
    assert mine[0]["hint"] == raw[:10]
    for t in listed:
        assert "token" not in t
        assert "key_hash" not in t
        assert raw not in str(t)


def test_token_list_shows_only_the_callers_tokens(api, personas):
    api("initiator").post("/tokens", {"name": "mine"})
    api("agent").post("/tokens", {"name": "agents"})
    names = {t["name"] for t in api("initiator").get("/tokens").json()}
    assert "mine" in names
    assert "agents" not in names
    ids = {t["id"] for t in api("initiator").get("/tokens").json()}
    assert ids == set(ApiToken.objects.filter(user=personas.initiator).values_list("pk", flat=True))


def test_only_the_sha256_is_stored(api):
    raw = api("agent").post("/tokens", {"name": "stored"}).json()["token"]
    row = ApiToken.objects.get(name="stored")
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.hint == raw[:10]
    # The raw token appears in no column of any token row.
    for values in ApiToken.objects.values():
        for value in values.values():
            assert raw not in str(value)


def test_revoked_token_is_401(api):
    created = api("agent").post("/tokens", {"name": "to revoke"}).json()
    raw = created["token"]
    assert bearer(raw).get("/api/v1/me").status_code == 200

    r = api("agent").delete(f"/tokens/{created['id']}")
    assert r.status_code == 200
    assert r.json()["revoked_at"] is not None

    r = bearer(raw).get("/api/v1/me")
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED
    # the other token of the same user still works
    assert api("agent").get("/me").status_code == 200


def test_a_token_can_revoke_itself(personas):
    from otklik.accounts.services import token_create

    token, raw = token_create(user=personas.agent, name="self")
    r = bearer(raw).delete(f"/api/v1/tokens/{token.pk}")
    assert r.status_code == 200
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_cannot_revoke_someone_elses_token(api):
    other = api("agent").post("/tokens", {"name": "agent's"}).json()
    r = api("initiator").delete(f"/tokens/{other['id']}")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert ApiToken.objects.get(pk=other["id"]).revoked_at is None
    assert bearer(other["token"]).get("/api/v1/me").status_code == 200


def test_expired_token_is_401(personas):
    from otklik.accounts.services import token_create

    token, raw = token_create(user=personas.agent, name="short", expires_at=timezone.now() + timedelta(hours=1))
    assert bearer(raw).get("/api/v1/me").status_code == 200
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()  # as an admin edit does; natural expiry needs no save: expires_at is checked each time
    r = bearer(raw).get("/api/v1/me")
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED


def test_token_with_expiry_from_the_api(api):
    future = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    r = api("agent").post("/tokens", {"name": "month", "expires_at": future.isoformat()})
    assert r.status_code == 201
    assert r.json()["expires_at"] is not None
    assert ApiToken.objects.get(pk=r.json()["id"]).expires_at == future
    assert bearer(r.json()["token"]).get("/api/v1/me").status_code == 200


def test_token_create_refuses_unknown_keys(api):
    client = api("agent")
    before = ApiToken.objects.count()
    r = client.post("/tokens", {"name": "x", "scope": "all"})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"
    assert ApiToken.objects.count() == before


def test_inactive_users_token_is_401(api, personas):
    client = api("initiator")
    assert client.get("/me").status_code == 200
    personas.initiator.is_active = False
    personas.initiator.save(update_fields=["is_active"])
    r = client.get("/me")
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED


def test_last_used_at_is_recorded(api, personas):
    created = api("agent").post("/tokens", {"name": "used"}).json()
    assert ApiToken.objects.get(pk=created["id"]).last_used_at is None
    bearer(created["token"]).get("/api/v1/me")
    assert ApiToken.objects.get(pk=created["id"]).last_used_at is not None


# --- otklik token USER ---------------------------------------------------------------------------


def test_token_command_prints_a_working_token(personas):
    out = StringIO()
    call_command("token", "agent2", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("otk_")
    assert "\n" not in raw
    r = bearer(raw).get("/api/v1/me")
    assert r.status_code == 200
    assert r.json()["username"] == "agent2"
    row = ApiToken.objects.get(key_hash=hashlib.sha256(raw.encode()).hexdigest())
    assert row.user == personas.agent2
    assert row.name == "cli"


def test_token_command_names_the_unknown_user(personas):
    before = ApiToken.objects.count()
    with pytest.raises(CommandError, match="nobody-here"):
        call_command("token", "nobody-here", stdout=StringIO())
    assert ApiToken.objects.count() == before


def test_token_command_refuses_an_inactive_user(personas):
    personas.agent2.is_active = False
    personas.agent2.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="agent2"):
        call_command("token", "agent2", stdout=StringIO())
    assert not ApiToken.objects.filter(user=personas.agent2).exists()


# --- the browser session ------------------------------------------------------------------------

CSRF = "a" * 32  # a well-formed (unmasked) CSRF secret


def _ticket_body():
    return {"type": "error", "subject": "Из браузера", "fields": {"steps": "шаги"}}


def test_session_can_read(personas):
    client = Client()
    client.force_login(personas.agent)
    r = client.get("/api/v1/me")
    assert r.status_code == 200
    assert r.json()["username"] == "agent"
    assert client.get("/api/v1/tickets").status_code == 200


def test_session_post_without_csrf_is_refused(personas):
    from otklik.tickets.models import Ticket

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.initiator)
    before = Ticket.objects.count()
    r = client.post("/api/v1/tickets", _ticket_body(), content_type="application/json")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert "CSRF" in r.json()["detail"]
    assert Ticket.objects.count() == before


def test_session_post_with_csrf_is_accepted(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.initiator)
    client.cookies["csrftoken"] = CSRF
    r = client.post("/api/v1/tickets", _ticket_body(), content_type="application/json", HTTP_X_CSRFTOKEN=CSRF)
    assert r.status_code == 201, r.content
    assert r.json()["initiator"]["username"] == "initiator"


def test_session_of_an_inactive_user_is_401(personas):
    client = Client()
    client.force_login(personas.agent)
    personas.agent.is_active = False
    personas.agent.save(update_fields=["is_active"])
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


def test_bearer_token_needs_no_csrf(api):
    # The API client is enforce_csrf_checks-free by default; make the check explicit.
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {api('initiator').token}")
    r = client.post("/api/v1/tickets", _ticket_body(), content_type="application/json")
    assert r.status_code == 201, r.content
