"""The request of a signed-in person, for the type checker.

`request.user` is `User | AnonymousUser` on a plain `HttpRequest`. Views behind `login_required`
(or `fragment_login_required`) and API endpoints behind token or session auth only ever see a
signed-in `User`: they take an `AuthedRequest` and read `request.user` as one. (The pattern
django-stubs documents; nothing changes at run time, Django still passes its own request.)
"""

from __future__ import annotations

from django.http import HttpRequest

from otklik.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User


__all__ = ["AuthedRequest"]
