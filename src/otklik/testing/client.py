"""A thin API client for tests: Django's test client with a real bearer token of the user."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from otklik.accounts.models import User
from otklik.accounts.services import token_create


class ApiClient:
    def __init__(self, token: str) -> None:
        self.token = token
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    @classmethod
    def for_user(cls, user: User) -> ApiClient:
        _, raw = token_create(user=user, name="tests")
        return cls(raw)

    def _url(self, path: str) -> str:
        return path if path.startswith("/api/") else "/api/v1" + path

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self._url(path), params)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self.client.post(self._url(path), json.dumps(data or {}), content_type="application/json", **kw)

    def patch(self, path: str, data: Any = None) -> Any:
        return self.client.patch(self._url(path), json.dumps(data or {}), content_type="application/json")

    def put(self, path: str, data: Any = None) -> Any:
        return self.client.put(self._url(path), json.dumps(data), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(self._url(path))

    def upload(self, path: str, files: dict[str, Any], data: dict[str, Any] | None = None) -> Any:
        return self.client.post(self._url(path), {**(data or {}), **files})


def browser(user: User, *, language: str = "en") -> Client:
    """A page client signed in as `user`, who reads the pages in `language` (stored on the user,
    as the language switch stores it)."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client
