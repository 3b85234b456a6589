"""The start page sends each person where their work is."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse


@login_required
def home(request: HttpRequest) -> HttpResponseRedirect:
    user = request.user
    if user.is_support_staff:
        return HttpResponseRedirect(reverse("web:queue"))
    return HttpResponseRedirect(reverse("web:portal"))
