"""Signing in and out, and the language switch."""

from __future__ import annotations

import datetime as dt
import math

from django import forms
from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from otklik.core.clientaddr import client_address
from otklik.core.clock import now
from otklik.web.models import LoginFailure

# Five wrong passwords for one user name (or twenty from one address) within the window lock it
# for the rest of the window: enough for typos, too slow for guessing.
WINDOW = dt.timedelta(minutes=15)
PER_USER = 5
PER_ADDRESS = 20


class LoginForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, max_length=200)


def _address(request: HttpRequest) -> str | None:
    return client_address(request)  # the client's, not a reverse proxy's shared one


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure()):
        return value
    return settings.LOGIN_REDIRECT_URL


def locked_minutes(username: str, address: str | None) -> int:
    """Minutes until sign-in is allowed again for this name or address; 0 when it is."""
    since = now() - WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = list(recent.filter(username=username.lower()).order_by("at").values_list("at", flat=True))
    by_address = list(recent.filter(address=address).order_by("at").values_list("at", flat=True)) if address else []
    until = None
    if len(by_user) >= PER_USER:
        until = by_user[-PER_USER] + WINDOW
    if len(by_address) >= PER_ADDRESS:
        until = max(until or now(), by_address[-PER_ADDRESS] + WINDOW)
    if until is None or until <= now():
        return 0
    return max(1, math.ceil((until - now()).total_seconds() / 60))


def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        address = _address(request)
        minutes = locked_minutes(username, address)
        if minutes:
            error = _("Too many failed attempts. Try again in %(minutes)s min.") % {"minutes": minutes}
            status = 429
        else:
            user = auth.authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is not None:
                auth.login(request, user)
                LoginFailure.objects.filter(username=username.lower()).delete()
                return HttpResponseRedirect(_safe_next(request, request.POST.get("next")))
            LoginFailure.objects.create(username=username.lower(), address=address, at=now())
            error = _("The user name or the password is wrong.")
            status = 400
    elif request.method == "POST":
        status = 400
    context = {"form": form, "error": error, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "web/login.html", context, status=status)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return HttpResponseRedirect(settings.LOGIN_URL)


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the language; a signed-in person keeps it (their stored language wins everywhere)."""
    code = request.POST.get("language", "")
    target = _safe_next(request, request.POST.get("next"))
    response = HttpResponseRedirect(target)
    if code not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.language != code:
        request.user.language = code
        request.user.save(update_fields=["language"])
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
