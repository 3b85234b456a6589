"""Settings → the notifier: install it from this server (a wheel built from the notifier's package
that ships with the server, web/notifier_wheel.py), confirm the code it shows (accounts/pairing.py),
and see and disconnect the notifiers paired with you."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.accounts.http import AuthedRequest
from otklik.accounts.pairing import (
    CODE_LENGTH,
    normalise_code,
    notifier_device,
    notifier_tokens,
    pairing_answer,
    pairing_lookup,
    show_code,
)
from otklik.accounts.services import token_revoke
from otklik.core.errors import NotFound, TooMany
from otklik.web.notifier_wheel import filename, notifier_wheel


def install_url() -> str:
    """The wheel's absolute address on this server, for `pipx install`."""
    return settings.BASE_URL + reverse("web:notifier-wheel", args=[filename()])


@require_GET
def wheel(request: HttpRequest, name: str) -> HttpResponse:
    """`GET /notifier/otklik_notifier-<version>-py3-none-any.whl`: the notifier to install, for
    anyone (pipx has no session; it is the same free software as the server). Another name: 404."""
    if name != filename():
        raise Http404
    built = notifier_wheel()
    etag = f'"{built.sha256}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return HttpResponseNotModified(headers={"ETag": etag})
    response = HttpResponse(built.content, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _listed(request: AuthedRequest) -> list[dict[str, object]]:
    """The person's notifiers, each with the device it was paired on."""
    return [{"token": t, "device": notifier_device(t)} for t in notifier_tokens(request.user)]


def _refusal(exc: NotFound | TooMany) -> str:
    if isinstance(exc, TooMany):
        return _("Too many wrong codes. Try again in a few minutes.")
    return _("No notifier is waiting for this code. Check it, or start pairing again: a code lasts ten minutes.")


@require_http_methods(["GET", "POST"])
@login_required
def page(request: AuthedRequest) -> HttpResponse:
    """GET: the form to type the code in (never filled from the address: a link someone else sent
    must not pair their notifier with you in one click). POST `code`: the pairing waiting for it,
    its device and address, to confirm or decline; POST `code` and `answer`: the answer."""
    typed = (request.POST.get("code") or "") if request.method == "POST" else ""
    error = ""
    status = 200
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer in ("confirm", "decline"):
            try:
                pairing = pairing_answer(user=request.user, code=typed, confirm=answer == "confirm")
            except (NotFound, TooMany) as exc:
                error, status = _refusal(exc), 429 if isinstance(exc, TooMany) else 404
            else:
                if pairing.confirmed_at is not None:
                    messages.success(
                        request, _("The notifier on “%(device)s” is paired with you.") % {"device": pairing.device}
                    )
                else:
                    messages.info(request, _("The pairing was declined."))
                return HttpResponseRedirect(reverse("web:notifier"))
    pending = None
    if typed and not error:
        try:
            pending = pairing_lookup(user=request.user, code=typed)
        except (NotFound, TooMany) as exc:
            error, status = _refusal(exc), 429 if isinstance(exc, TooMany) else 404
    context = {
        "typed": show_code(normalise_code(typed)) if len(normalise_code(typed)) == CODE_LENGTH else typed,
        "pending": pending,
        "pending_code": show_code(pending.code) if pending is not None else "",
        "error": error,
        "notifiers": _listed(request),
        "base_url": settings.BASE_URL,
        "install_url": install_url(),
    }
    return render(request, "web/settings/notifier.html", context, status=status)


@require_POST
@login_required
def disconnect(request: AuthedRequest, token_id: int) -> HttpResponse:
    """Revoke one of the person's notifier tokens (someone else's: 404, as if it did not exist)."""
    if not any(t.pk == token_id for t in notifier_tokens(request.user)):
        return render(
            request,
            "web/settings/notifier.html",
            {
                "notifiers": _listed(request),
                "error": _("There is no such notifier."),
                "base_url": settings.BASE_URL,
                "install_url": install_url(),
            },
            status=404,
        )
    token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("The notifier is disconnected."))
    return HttpResponseRedirect(reverse("web:notifier"))
