"""A thin API client for tests: Django's test client with a real bearer token of the user."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.test import Client

from otklik.accounts.models import User
from otklik.accounts.services import token_create
from otklik.core.jsonvalue import JsonValue

if TYPE_CHECKING:  # what Django's test client answers (.json(), .context …): the stubs' name
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


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

    def get(self, path: str, **params: Any) -> TestResponse:
        return self.client.get(self._url(path), params)

    def post(self, path: str, data: JsonValue = None, **kw: Any) -> TestResponse:
        return self.client.post(self._url(path), json.dumps(data or {}), content_type="application/json", **kw)

    def patch(self, path: str, data: JsonValue = None) -> TestResponse:
        return self.client.patch(self._url(path), json.dumps(data or {}), content_type="application/json")

    def put(self, path: str, data: JsonValue = None) -> TestResponse:
        return self.client.put(self._url(path), json.dumps(data), content_type="application/json")

    def delete(self, path: str) -> TestResponse:
        return self.client.delete(self._url(path))

    def upload(self, path: str, files: dict[str, UploadedFile], data: dict[str, str] | None = None) -> TestResponse:
        return self.client.post(self._url(path), {**(data or {}), **files})


def browser(user: User, *, language: str = "en") -> Client:
    """A page client signed in as `user`, who reads the pages in `language` (stored on the user,
    as the language switch stores it)."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client
