"""The start page sends each person where their work is."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.urls import reverse

from otklik.accounts.http import AuthedRequest


@login_required
def home(request: AuthedRequest) -> HttpResponseRedirect:
    user = request.user
    if user.is_support_staff:
        return HttpResponseRedirect(reverse("web:queue"))
    return HttpResponseRedirect(reverse("web:portal"))
