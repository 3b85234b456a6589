"""The sign-in backend (settings.AUTHENTICATION_BACKENDS): Django's model backend, the signed-in
person read with SQL compiled once per process, since every signed-in page reads them (issue 15)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from otklik.accounts.models import User
from otklik.core.prepared import Prepared

_BY_ID: Prepared[User] = Prepared(lambda pk: User.objects.filter(pk=pk), int)


class Backend(ModelBackend):
    """Passwords, permissions and `is_active` exactly as ModelBackend checks them."""

    def get_user(self, user_id: object) -> User | None:
        try:
            pk = int(str(user_id))
        except ValueError:
            return None
        rows = _BY_ID.models(pk)
        return rows[0] if rows and self.user_can_authenticate(rows[0]) else None
