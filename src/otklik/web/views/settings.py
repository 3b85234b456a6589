"""The person's settings: language, time zone, which notifications reach them where (only the
events that can reach them), quiet hours and the digest, and their own phone and messenger
address, each confirmed by a code sent to it before anything else goes there."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import User, validate_time_zone
from otklik.core.clock import now
from otklik.core.errors import DomainError, Invalid
from otklik.core.forms import form_field
from otklik.core.jsonvalue import JsonValue
from otklik.notify.models import Channel, Digest, TaskForm
from otklik.notify.preferences import preferences_of, preferences_set, schedule_of, schedule_set, standing_of
from otklik.notify.verification import (
    ADDRESS_FIELDS,
    address_gateways,
    address_set,
    is_verified,
    open_check_exists,
    verification_confirm,
    verification_send,
)
from otklik.web.refusals import field_messages, refusal_message

# The zones most of our people live in (Russia west to east, then neighbours and a few others);
# any other IANA name can be typed in.
# The zones most of our people live in (Russia west to east, then neighbours and a few others), by
# the city people know them by; any other IANA name can be typed in.
COMMON_ZONES: dict[str, Promise] = {
    "Europe/Kaliningrad": pgettext_lazy("time zone", "Kaliningrad"),
    "Europe/Moscow": pgettext_lazy("time zone", "Moscow"),
    "Europe/Samara": pgettext_lazy("time zone", "Samara"),
    "Asia/Yekaterinburg": pgettext_lazy("time zone", "Yekaterinburg"),
    "Asia/Omsk": pgettext_lazy("time zone", "Omsk"),
    "Asia/Novosibirsk": pgettext_lazy("time zone", "Novosibirsk"),
    "Asia/Krasnoyarsk": pgettext_lazy("time zone", "Krasnoyarsk"),
    "Asia/Irkutsk": pgettext_lazy("time zone", "Irkutsk"),
    "Asia/Yakutsk": pgettext_lazy("time zone", "Yakutsk"),
    "Asia/Vladivostok": pgettext_lazy("time zone", "Vladivostok"),
    "Asia/Magadan": pgettext_lazy("time zone", "Magadan"),
    "Asia/Kamchatka": pgettext_lazy("time zone", "Petropavlovsk-Kamchatsky"),
    "Europe/Minsk": pgettext_lazy("time zone", "Minsk"),
    "Asia/Almaty": pgettext_lazy("time zone", "Almaty"),
    "Asia/Tashkent": pgettext_lazy("time zone", "Tashkent"),
    "Asia/Tbilisi": pgettext_lazy("time zone", "Tbilisi"),
    "Asia/Yerevan": pgettext_lazy("time zone", "Yerevan"),
    "Asia/Baku": pgettext_lazy("time zone", "Baku"),
    "Europe/Istanbul": pgettext_lazy("time zone", "Istanbul"),
    "Asia/Dubai": pgettext_lazy("time zone", "Dubai"),
    "Europe/Berlin": pgettext_lazy("time zone", "Berlin"),
    "Europe/London": pgettext_lazy("time zone", "London"),
    "America/New_York": pgettext_lazy("time zone", "New York"),
    "UTC": pgettext_lazy("time zone", "UTC (coordinated universal time)"),
}
OTHER = "other"
# The grid's columns; the calendar-task channel has only the task event in its column.
CHANNELS = (Channel.INAPP, Channel.EMAIL, Channel.SMS, Channel.MESSENGER, Channel.TASK)
TIME_FORMAT = "%H:%M"


def _zone_label(name: str, moment: dt.datetime) -> str:
    offset = moment.astimezone(zoneinfo.ZoneInfo(name)).strftime("%z")
    city = COMMON_ZONES.get(name)
    return f"{city if city is not None else name} (UTC{offset[:3]}:{offset[3:]})"


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(format=TIME_FORMAT, attrs={"type": "time"})


class SettingsForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=[("ru", "Русский"), ("en", "English")])
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    time_zone_other = forms.CharField(
        label=gettext_lazy("Other time zone"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("When “Other” is chosen above: a name from the IANA list, such as Asia/Almaty."),
    )
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet hours from"), required=False, widget=_time_input(), input_formats=[TIME_FORMAT]
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet hours until"), required=False, widget=_time_input(), input_formats=[TIME_FORMAT]
    )
    digest = forms.ChoiceField(
        label=gettext_lazy("Digest"),
        required=False,
        choices=[
            (Digest.OFF, gettext_lazy("No digest: each message on its own")),
            (Digest.HOURLY, gettext_lazy("Hourly")),
            (Digest.DAILY, gettext_lazy("Daily")),
        ],
        help_text=gettext_lazy("Low-importance messages are gathered into one message."),
    )
    digest_time = forms.TimeField(
        label=gettext_lazy("Daily digest at"), required=False, widget=_time_input(), input_formats=[TIME_FORMAT]
    )

    task_form = forms.ChoiceField(
        label=gettext_lazy("Calendar task as"),
        required=False,
        choices=TaskForm.choices,
        help_text=gettext_lazy(
            "Desktop Outlook ignores a task sent by mail: choose an event at the deadline for it. "
            "The change applies from the next update of each request."
        ),
    )

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not staff:  # only support staff hold calendar tasks
            del self.fields["task_form"]
        moment = now()
        form_field(self, "time_zone", forms.ChoiceField).choices = [
            *((name, _zone_label(name, moment)) for name in COMMON_ZONES),
            (OTHER, _("Other (type it below)")),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        chosen, typed = data.get("time_zone"), (data.get("time_zone_other") or "").strip()
        if chosen == OTHER:
            if not typed:
                self.add_error("time_zone_other", _("Type the time zone's name, such as Asia/Almaty."))
            else:
                try:
                    validate_time_zone(typed)
                    data["zone"] = typed
                except ValidationError:
                    self.add_error("time_zone_other", _("There is no time zone “%(name)s”.") % {"name": typed})
        elif chosen:
            if typed and typed != chosen:
                self.add_error("time_zone_other", _("Choose “Other” in the list above to use this zone, or clear it."))
            data["zone"] = chosen
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None) and "quiet_start" not in self.errors and "quiet_end" not in self.errors:
            self.add_error(
                "quiet_end" if end is None else "quiet_start", _("Give both ends of the quiet hours, or neither.")
            )
        elif start is not None and start == end:
            self.add_error("quiet_end", _("The quiet hours cannot end when they start."))
        return data


def _initial(user: User) -> dict[str, Any]:
    schedule = schedule_of(user.pk)
    common = user.time_zone in COMMON_ZONES
    return {
        "language": user.language,
        "time_zone": user.time_zone if common else OTHER,
        "time_zone_other": "" if common else user.time_zone,
        "quiet_start": schedule["quiet_start"],
        "quiet_end": schedule["quiet_end"],
        "digest": schedule["digest"],
        "digest_time": schedule["digest_time"],
        "task_form": schedule["task_form"],
    }


def _grid(choices: list[dict[str, JsonValue]], posted: QueryDict | None) -> list[dict[str, JsonValue]]:
    """One row per event, one cell per channel column (None where the event has no such channel);
    after a failed save the boxes show what was sent, not what is stored."""
    rows = []
    for event in choices:
        by_channel = {c["channel"]: c for c in event["channels"]}
        cells: list[dict[str, JsonValue] | None] = []
        for channel in CHANNELS:
            choice = by_channel.get(channel)
            if choice is None:
                cells.append(None)
                continue
            name = f"pref-{event['event']}-{channel}"
            checked = choice["enabled"] if posted is None or choice["mandatory"] else name in posted
            cells.append({**choice, "name": name, "checked": checked, "label": Channel(channel).label})
        rows.append({"event": event["event"], "name": event["name"], "cells": cells})
    return rows


def _changes(choices: list[dict[str, JsonValue]], posted: QueryDict) -> list[tuple[str, str, bool]]:
    """Only what the person changed: an untouched choice keeps following the rules' defaults (and
    a mandatory one, shown disabled, is never sent)."""
    out = []
    for event in choices:
        for choice in event["channels"]:
            if choice["mandatory"]:
                continue
            wanted = f"pref-{event['event']}-{choice['channel']}" in posted
            if wanted != choice["enabled"]:
                out.append((event["event"], choice["channel"], wanted))
    return out


def _unreachable(user: User) -> list[str]:
    notes = []
    if not user.email:
        notes.append(_("You have no e-mail address in your profile: e-mail and calendar tasks cannot reach you."))
    if not user.verified_phone:
        notes.append(_("You have no confirmed phone number: SMS cannot reach you."))
    if not user.verified_messenger:
        notes.append(_("You have no confirmed messenger address: messenger messages cannot reach you."))
    return notes


def _save(user: User, form: SettingsForm, changes: list[tuple[str, str, bool]]) -> None:
    data = form.cleaned_data

    def hhmm(value: dt.time | None) -> str | None:
        return value.strftime(TIME_FORMAT) if value else None

    with transaction.atomic():
        user.language = data["language"]
        user.time_zone = data["zone"]
        user.save(update_fields=["language", "time_zone"])
        if changes:
            preferences_set(user_id=user.pk, choices=changes)
        schedule_set(
            user_id=user.pk,
            quiet_start=hhmm(data["quiet_start"]),
            quiet_end=hhmm(data["quiet_end"]),
            digest=data.get("digest") or Digest.OFF,
            digest_time=hhmm(data["digest_time"]),
            task_form=(data.get("task_form") or TaskForm.TODO) if "task_form" in form.fields else None,
        )


@require_http_methods(["GET", "POST"])
@login_required
def page(request: AuthedRequest) -> HttpResponse:
    user = request.user
    # Only the events that can reach this person: an initiator is not offered escalations.
    choices = preferences_of(user.pk, standing=standing_of(user))
    if request.method != "POST":
        return render_settings(request, choices=choices)
    form = SettingsForm(request.POST, staff=user.is_support_staff)
    if form.is_valid():
        try:
            _save(user, form, _changes(choices, request.POST))
        except Invalid as exc:  # the services' own checks, should the form have let something by
            user.refresh_from_db(fields=["language", "time_zone"])  # rolled back: not half-changed here either
            for name, text in field_messages(exc, form="settings", fallback="").items():
                form.add_error(name if name in form.fields else None, text)
        else:
            language = form.cleaned_data["language"]
            with translation.override(language):  # the next page is already in the new language
                messages.success(request, _("Settings saved."))
            response = HttpResponseRedirect(reverse("web:settings"))
            response.set_cookie(django_settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
            return response
    return render_settings(request, choices=choices, form=form, posted=request.POST, status=400)


def render_settings(
    request: AuthedRequest,
    *,
    choices: list[dict[str, JsonValue]] | None = None,
    form: SettingsForm | None = None,
    posted: QueryDict | None = None,
    address: Address | None = None,
    status: int = 200,
) -> HttpResponse:
    """The settings page; after a refused post, the form (or the address) as it was sent."""
    user = request.user
    if choices is None:
        choices = preferences_of(user.pk, standing=standing_of(user))
    carriers = address_gateways()
    context = {
        "form": form or SettingsForm(initial=_initial(user), staff=user.is_support_staff),
        "grid": _grid(choices, posted),
        "channels": [Channel(c).label for c in CHANNELS],
        "unreachable": _unreachable(user),
        "addresses": [_address_block(user, channel, address, carriers) for channel in ADDRESS_CHANNELS],
        "now": now(),
        "other": OTHER,
    }
    return render(request, "web/settings/page.html", context, status=status)


# --- the person's own phone and messenger address, confirmed by a code ---------------------------

ADDRESS_CHANNELS = (Channel.SMS, Channel.MESSENGER)
ADDRESS_FORM = "address"


@dataclass(frozen=True)
class Address:
    """A refused post of one address block: what was typed and what is wrong (by field)."""

    channel: str
    typed: str | None = None  # the address as typed (None: the stored one is shown)
    errors: dict[str, str] = dataclass_field(default_factory=dict)


def _address_block(
    user: User, channel: str, refused: Address | None, carriers: dict[str, bool]
) -> dict[str, JsonValue]:
    """One address's block; `carriers`: the channels with a gateway, each with whether it is only a
    development one (notify.verification.address_gateways)."""
    field = ADDRESS_FIELDS[channel]
    stored = getattr(user, field)
    mine = refused if refused is not None and refused.channel == channel else Address(channel)
    sms = channel == Channel.SMS
    verified = is_verified(user, channel)
    available = channel in carriers
    pending = bool(stored) and not verified and open_check_exists(user, channel)
    # The code's box while a code can come (a gateway) or has come (one may still be typed).
    code_form = bool(stored) and not verified and (available or pending)
    errors = mine.errors
    # Without a code to type (no address, or confirmed already) a refusal about the code is said at the address.
    error = errors.get(field, "") or ("" if code_form else errors.get("code", ""))
    return {
        "channel": channel,
        "label": _("Phone number for SMS") if sms else _("Messenger address"),
        "help": _("With the country code, such as +7 999 123-45-67.")
        if sms
        else _("Your chat or user id in the messenger the support service uses (e.g. a Telegram chat id)."),
        "code_label": _("Code from the SMS") if sms else _("Code from the messenger"),
        "save_label": _("Save the number") if sms else _("Save the address"),
        "input_type": "tel" if sms else "text",
        "autocomplete": "tel" if sms else "off",
        "maxlength": 32 if sms else 100,
        "value": mine.typed if mine.typed is not None else stored,
        "stored": stored,
        "verified": verified,
        "code_form": code_form,
        "pending": pending,
        "available": available,
        "development": carriers.get(channel, False),
        "error": error,
        "code_error": errors.get("code", "") if code_form else "",
        "save_url": reverse("web:settings-address", args=[channel]),
        "send_url": reverse("web:settings-address-send", args=[channel]),
        "confirm_url": reverse("web:settings-address-confirm", args=[channel]),
    }


def _channel(channel: str) -> str:
    if channel not in ADDRESS_CHANNELS:
        raise Http404("no such channel")
    return channel


def _back(channel: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('web:settings')}#address-{channel}")


def _refused(request: AuthedRequest, channel: str, exc: DomainError, *, typed: str | None = None) -> HttpResponse:
    fallback = ADDRESS_FIELDS[channel] if typed is not None else "code"
    errors = field_messages(exc, form=ADDRESS_FORM, fallback=fallback)
    return render_settings(request, address=Address(channel, typed, errors), status=exc.status)


def _sent_note(channel: str) -> str:
    if channel == Channel.SMS:
        return _("A code was sent to the number: type it below to confirm the number.")
    return _("A code was sent to the messenger: type it below to confirm the address.")


@require_POST
@login_required
def address_save(request: AuthedRequest, channel: str) -> HttpResponse:
    """Save the person's own address for the channel and send a code to a new (or unconfirmed) one."""
    channel = _channel(channel)
    user = request.user
    typed = request.POST.get("address", "")
    try:
        changed = address_set(user=user, channel=channel, address=typed)
    except Invalid as exc:
        return _refused(request, channel, exc, typed=typed)
    if not getattr(user, ADDRESS_FIELDS[channel]):
        messages.success(request, _("Removed."))
        return _back(channel)
    if not changed and is_verified(user, channel):
        messages.info(request, _("Nothing changed: this address is confirmed already."))
        return _back(channel)
    try:
        verification_send(user=user, channel=channel)
    except DomainError as exc:
        words = refusal_message(exc, form=ADDRESS_FORM)
        messages.warning(request, _("Saved, but no code was sent. %(reason)s") % {"reason": words})
    else:
        messages.success(request, _sent_note(channel))
    return _back(channel)


@require_POST
@login_required
def address_send(request: AuthedRequest, channel: str) -> HttpResponse:
    """Send a new code to the unconfirmed address (rate-limited)."""
    channel = _channel(channel)
    try:
        verification_send(user=request.user, channel=channel)
    except DomainError as exc:
        return _refused(request, channel, exc)
    messages.success(request, _sent_note(channel))
    return _back(channel)


@require_POST
@login_required
def address_confirm(request: AuthedRequest, channel: str) -> HttpResponse:
    """Check the code typed; the address is confirmed when it matches."""
    channel = _channel(channel)
    try:
        verification_confirm(user=request.user, channel=channel, code=request.POST.get("code", "")[:40])
    except DomainError as exc:
        return _refused(request, channel, exc)
    if channel == Channel.SMS:
        messages.success(request, _("The phone number is confirmed: SMS can reach you now."))
    else:
        messages.success(request, _("The messenger address is confirmed: messenger messages can reach you now."))
    return _back(channel)
