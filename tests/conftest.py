"""Shared fixtures. The whole suite runs on SQLite, and again on PostgreSQL when `make test`
sets DATABASE_URL (see Makefile); tests marked `postgres` run only there."""

from __future__ import annotations

import os
import tempfile

import pytest

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


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo's users get passwords; the production hasher (~0.4 s each) made every test slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db):
    from otklik.testing.personas import load_personas

    return load_personas()


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
    and count their queries too. Such tests keep the snapshots for the test's length."""
    if not {"django_assert_num_queries", "django_assert_max_num_queries"} & set(request.fixturenames):
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.REFERENCE_TTL = 3600
    yield
