"""Carriers in the admin. Their settings hold addresses with tokens and signing secrets, so they are
write-only: the form never shows them back (an empty field keeps the stored value), the list shows
only which are set, and the admin's change log names the field (Django's own), never its value."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from otklik.notify.channels.messaging import apprise_url_problem
from otklik.notify.models import Carrier

MIN_SECRET = 16


class CarrierForm(forms.ModelForm):
    url = forms.CharField(
        label=capfirst(_("address (URL)")),
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "size": 80}),
        help_text=_(
            "Apprise URL for SMS and messengers (e.g. json://sms.example.org/send/:to={phone}, "
            "tgram://TOKEN/{address}; {phone} and {address} are the recipient's), the endpoint for webhooks. "
            "Not shown again: leave empty to keep the stored one."
        ),
    )
    secret = forms.CharField(
        label=capfirst(_("signing secret (webhooks)")),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("At least 16 characters; not shown again: leave empty to keep the stored one."),
    )

    class Meta:
        model = Carrier
        fields = (
            "name",
            "channel",
            "driver",
            "enabled",
            "priority",
            "max_attempts",
            "backoff_base_seconds",
            "backoff_cap_seconds",
            "backoff_jitter",
            "timeout_seconds",
            "rate_limit_per_minute",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        channel, driver = data.get("channel"), data.get("driver")
        stored = dict(self.instance.settings or {}) if self.instance.pk else {}
        url = (data.get("url") or "").strip() or stored.get("url", "")
        secret = data.get("secret") or stored.get("secret", "")
        if channel and driver and (channel == "webhook") != (driver == Carrier.Driver.WEBHOOK):
            self.add_error(
                "driver",
                _("Webhooks use the webhook driver; SMS and messengers use Apprise or the development gateway."),
            )
        if driver == Carrier.Driver.LOG:
            # Sends nothing and needs no address: whatever was stored goes (no secret kept for nothing).
            url, secret, stored = "", "", {}
        elif not url:
            self.add_error("url", _("The carrier needs an address."))
        elif driver == Carrier.Driver.WEBHOOK:
            try:
                parts = urlsplit(url)
                usable = parts.scheme in ("http", "https") and bool(parts.hostname)
            except ValueError:  # e.g. an unclosed [IPv6 bracket
                usable = False
            if not usable:
                self.add_error("url", _("A webhook address is an http(s) URL."))
            if len(secret) < MIN_SECRET:
                self.add_error("secret", _("A webhook needs a signing secret of at least 16 characters."))
        elif driver == Carrier.Driver.APPRISE and apprise_url_problem(url):
            self.add_error("url", _("Apprise does not understand this URL (check the scheme and its parts)."))
        for name in ("backoff_jitter",):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, _("Between 0 and 1."))
        if data.get("max_attempts") == 0:
            self.add_error("max_attempts", _("At least one attempt."))
        if data.get("timeout_seconds") == 0:
            self.add_error("timeout_seconds", _("At least one second."))
        self._settings = {**stored, **({"url": url} if url else {}), **({"secret": secret} if secret else {})}
        return data

    def save(self, commit: bool = True) -> Carrier:
        self.instance.settings = getattr(self, "_settings", self.instance.settings)
        return super().save(commit)


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    form = CarrierForm
    list_display = ("name", "channel", "driver", "enabled", "priority", "max_attempts", "rate_limit_per_minute", "set")
    list_filter = ("channel", "enabled")
    list_editable = ("enabled", "priority")
    fieldsets = (
        (None, {"fields": ("name", "channel", "driver", "enabled", "priority")}),
        (_("Address and secrets"), {"fields": ("url", "secret", "set")}),
        (
            _("Attempts"),
            {
                "fields": (
                    "max_attempts",
                    "backoff_base_seconds",
                    "backoff_cap_seconds",
                    "backoff_jitter",
                    "timeout_seconds",
                    "rate_limit_per_minute",
                )
            },
        ),
    )
    readonly_fields = ("set",)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # A development gateway delivers nothing: say so where carriers are managed, every time.
        names = list(
            Carrier.objects.filter(driver=Carrier.Driver.LOG, enabled=True)
            .order_by("name")
            .values_list("name", flat=True)
        )
        if names and request.method == "GET":
            messages.warning(
                request,
                _(
                    "Development gateways are on (%(names)s): the SMS and messenger messages they take are only "
                    "written to the server's log, nobody receives them. Replace them with real gateways before "
                    "people use the help desk."
                )
                % {"names": ", ".join(names)},
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("stored"))
    def set(self, obj: Carrier) -> str:
        keys = [k for k in ("url", "secret") if (obj.settings or {}).get(k)]
        return ", ".join(f"{k} ✓" for k in keys) or "—"
