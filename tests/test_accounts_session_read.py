"""Every signed-in page reads its session and its person: both reads are compiled once
(accounts/sessions.py, accounts/backends.py) and behave as Django's own — an expired or unknown
session is no session, a deactivated person is signed out, a changed password ends other
sessions, and sessions signed in through Django's backend before go on."""

import datetime as dt

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_in_page_reads_the_session_and_the_person_once_each(personas):
    client = _signed_in(personas.agent)
    client.get("/work")  # caches warm
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/work").status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "django_session"' in q for q in reads) == 1
    assert sum('FROM "accounts_user"' in q and '"accounts_user"."id" = ' in q for q in reads) == 1


def test_an_expired_or_unknown_session_is_no_session(personas):
    client = _signed_in(personas.agent)
    key = client.cookies["sessionid"].value
    assert client.get("/work").status_code == 200
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/work").status_code == 302  # to the sign-in page
    store = SessionStore("no-such-key-" + "x" * 20)
    assert store.load() == {} and store.session_key is None


def test_a_deactivated_person_and_a_changed_password_sign_out(personas):
    agent = type(personas.agent).objects.get(pk=personas.agent.pk)  # the shared persona stays as it was
    client = _signed_in(agent)
    assert client.get("/work").status_code == 200
    agent.set_password("a-new-password-1")
    agent.save()
    assert client.get("/work").status_code == 302
    client = _signed_in(agent)
    type(agent).objects.filter(pk=agent.pk).update(is_active=False)
    assert client.get("/work").status_code == 302


def test_a_session_signed_in_through_djangos_backend_goes_on(personas):
    agent = personas.agent
    store = SessionStore()
    store[SESSION_KEY] = str(agent.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = agent.get_session_auth_hash()
    store.create()
    client = Client()
    client.cookies["sessionid"] = store.session_key
    assert client.get("/work").status_code == 200
