"""Shared fixtures. The whole suite runs on SQLite, and again on PostgreSQL when `make test`
sets DATABASE_URL (see Makefile); tests marked `postgres` run only there."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import pytest
from pytest_django import DjangoDbBlocker, Settings
from pytest_django.fixtures import validate_django_db

if TYPE_CHECKING:
    from otklik.testing.personas import Personas

# Every run gets its own data dir (uploads, secret key), never the developer's ./var.
os.environ.setdefault("OTKLIK_DATA_DIR", tempfile.mkdtemp(prefix="otklik-test-"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL only (run by `make test` against PostgreSQL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_language() -> Generator[None, None, None]:
    """Every test starts in the language a fresh process speaks (the service's): a request's
    activated language stays on the thread, and a test must not read it from the one before."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo's users get passwords; the production hasher (~0.4 s each) made every test slow."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


# The demo (a published regulation, three requests) and the personas are loaded once per test
# database, not per test: ordinary tests see them inside their rolled-back transaction; a
# transactional test's flush removes them, so they are seeded again right after such a test.
_seed: Callable[[], None] | None = None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> None:
    from django.test import override_settings

    from otklik.testing.personas import seed_test_database

    global _seed

    def seed() -> None:
        # The hashing fixture is per test; the demo's users get passwords here, too.
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS), django_db_blocker.unblock():
            seed_test_database()

    seed()
    _seed = seed


def _flushes_database(item: pytest.Item) -> bool:
    """Whether pytest-django runs this test outside a transaction and empties the tables after it."""
    marker = item.get_closest_marker("django_db")
    transactional, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    names = {"transactional_db", "live_server", "django_db_reset_sequences"}
    return transactional or reset_sequences or bool(names & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    result = yield  # the test's fixtures are finished: a transactional test's tables are empty now
    if _seed is not None and nextitem is not None and _flushes_database(item):
        _seed()
    return result


@pytest.fixture
def personas(db: None, settings: Settings) -> Personas:
    """The demo's people (and the outsider). The demo is the shared one unless the test froze the
    clock first: then it is loaded afresh at that instant, as every test had it before, since the
    test's story may date the demo's sample requests, regulation version and calendar years."""
    from otklik.testing.personas import demo_present, fetch_personas, load_personas, reload_personas

    if not demo_present():  # the test started without it, and asked for the personas later
        return load_personas()
    return reload_personas() if settings.OTKLIK_NOW else fetch_personas()


@pytest.fixture(autouse=True)
def _demo_only_with_personas(request: pytest.FixtureRequest) -> None:
    """A test that uses the database without asking for `personas` gets it as the migrations left
    it, the database it was written for (its own configuration, counts from zero)."""
    from otklik.testing.personas import empty_demo, restart_ids_after_demo

    marker = request.node.get_closest_marker("django_db")
    if not (marker or {"db", "transactional_db"} & set(request.fixturenames)):
        return
    request.getfixturevalue("db")
    if "personas" in request.fixturenames:
        restart_ids_after_demo()
    else:
        empty_demo()


@pytest.fixture
def api(personas):
    """An API client per persona: api("agent").post(path, json) with a real bearer token."""
    from otklik.testing.client import ApiClient

    cache: dict[str, ApiClient] = {}

    def client(name: str) -> ApiClient:
        if name not in cache:
            cache[name] = ApiClient.for_user(getattr(personas, name))
        return cache[name]

    return client


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts from the database, not from a previous test's rolled-back catalogue, SLA
    configuration, people, tokens or regulation version: every in-process cache, dropped."""
    from otklik.core.snapshot import reset_all

    reset_all()
    yield
    reset_all()


@pytest.fixture(autouse=True)
def _steady_snapshots_while_counting_queries(request):
    """A test that counts queries warms the in-process snapshots first; on a loaded machine more
    than REFERENCE_TTL (2 s) could pass before the counted request, which would then rebuild them
    and count their queries too. Such tests (those asking for Django's query assertions, and every
    test of a module that counts with CaptureQueriesContext) keep the snapshots and the verified
    tokens for the test's length."""
    counts = {"django_assert_num_queries", "django_assert_max_num_queries"} & set(request.fixturenames)
    if not counts and getattr(request.module, "CaptureQueriesContext", None) is None:
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.REFERENCE_TTL = 3600
    settings.TOKEN_CACHE_SECONDS = 3600
    yield


@pytest.fixture
def dispatching(personas: Personas) -> Personas:
    """The demo's groups hand their new requests (and those moved to them) straight to their
    dispatcher — the first line's lead, Sergei; the second line's Olga — as an organisation that
    wants it sets them up (the group's "assign new requests automatically"). The demo itself leaves
    them unassigned in the group's queue; tests whose story starts with an executor ask for this."""
    from otklik.accounts.directory import invalidate
    from otklik.accounts.models import SupportGroup

    SupportGroup.objects.update(auto_assign=True)
    invalidate()
    return personas
