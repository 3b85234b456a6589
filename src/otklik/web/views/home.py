"""The start page sends each person where their work is: those who oversee others' work (leads,
managers, administrators) to the dashboard, agents to their queue, everyone else to the portal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.urls import reverse

from otklik.accounts.http import AuthedRequest
from otklik.accounts.selectors import may_supervise


@login_required
def home(request: AuthedRequest) -> HttpResponseRedirect:
    user = request.user
    if may_supervise(user):
        return HttpResponseRedirect(reverse("web:dashboard"))
    if user.is_support_staff:
        return HttpResponseRedirect(reverse("web:queue"))
    return HttpResponseRedirect(reverse("web:portal"))
