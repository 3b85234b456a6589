"""Why a version was published, said in one language: what is stored is a code and its parameters
(for a change, the models whose change published it), translated when it is shown, so the list of
versions, the notices and the API speak the reader's language only.

Rows from before the code kept both languages in `reason` ("Изменено: … · Changed: …"); they are
read in one language too. A reason given by hand (`otklik regulation_publish --reason`) is shown
as written."""

from __future__ import annotations

from django.apps import apps
from django.utils import translation

from otklik.core.jsonvalue import JsonValue

from .models import Version

FIRST = "first"  # the first version of a fresh install
CHANGED = "changed"  # params: {"models": ["app_label.model_name", …]}
REFRESH = "refresh"  # the worker's periodic check (the months moved the special dates on)
DEMO = "demo"  # the demo's configuration was loaded
BY_HAND = "by_hand"  # otklik regulation_publish without --reason

WORDS: dict[str, dict[str, str]] = {
    FIRST: {"ru": "Первая публикация", "en": "First publication"},
    CHANGED: {"ru": "Изменено: {names}", "en": "Changed: {names}"},
    REFRESH: {"ru": "Плановая сверка с настройками", "en": "Periodic check against the configuration"},
    DEMO: {"ru": "Загружена демонстрационная конфигурация", "en": "The demo configuration was loaded"},
    BY_HAND: {"ru": "Опубликовано администратором", "en": "Published by the administrator"},
}
MORE = {"ru": "{names} и др.", "en": "{names} etc."}
SHOWN = 3  # model names listed before "etc."
OLD_PREFIXES = ("Изменено: ", "Changed: ")  # how the old rows worded a change


# In a version's params: the models changed by earlier versions whose notice this one's took over
# (services.ANNOUNCE_AFTER); its notice names them too, its own reason does not.
ANNOUNCED_WITH = "announced_with"


def announced_models(version: Version) -> list[str]:
    """The models a version's notice names: its own change's and those it took over."""
    params = version.reason_params if isinstance(version.reason_params, dict) else {}
    labels: list[str] = []
    for key in ("models", ANNOUNCED_WITH) if version.reason_code == CHANGED else (ANNOUNCED_WITH,):
        value = params.get(key)
        labels += [str(v) for v in value] if isinstance(value, list) else []
    return sorted(set(labels))


def changed_params(labels: list[str]) -> dict[str, JsonValue]:
    """The parameters of CHANGED: the models' labels ("catalog.priority"), sorted."""
    return {"models": list(sorted(set(labels)))}


def _names(labels: JsonValue, lang: str) -> str:
    found = []
    for label in labels if isinstance(labels, list) else []:
        try:
            model = apps.get_model(str(label))
        except (LookupError, ValueError):
            continue  # a model removed since: nothing a reader could recognise
        with translation.override(lang):
            found.append(str(model._meta.verbose_name_plural))
    names = sorted(set(found))
    shown = ", ".join(names[:SHOWN])
    return MORE[lang].format(names=shown) if len(names) > SHOWN else shown


def old_reason_in(reason: str, lang: str, *, what_only: bool = False) -> str:
    """A reason stored before the code: "Изменено: … · Changed: …" in one language."""
    parts = reason.split(" · ")
    if len(parts) != 2:
        return reason  # the words of whoever published it
    part = parts[0] if lang == "ru" else parts[1]
    if what_only:
        for prefix in OLD_PREFIXES:
            part = part.removeprefix(prefix)
    return part


def reason_text(code: str, params: JsonValue, reason: str, lang: str, *, what_only: bool = False) -> str:
    """The reason in `lang` (ru or en). `what_only`: for a change, the names alone (a notice says
    «Что меняется: приоритеты»)."""
    lang = lang if lang in ("ru", "en") else "ru"
    if reason:  # given by hand, or an old row
        return old_reason_in(reason, lang, what_only=what_only)
    if code == CHANGED:
        names = _names(params.get("models") if isinstance(params, dict) else None, lang)
        return names if what_only or not names else WORDS[CHANGED][lang].format(names=names)
    return WORDS[code][lang] if code in WORDS else ""


def notice_reason(version: Version, lang: str) -> str:
    """What a version's notice says changed: the models of its change and of the changes whose notice
    it took over, else its reason's own words."""
    lang = lang if lang in ("ru", "en") else "ru"
    models = announced_models(version)
    if models and not version.reason:
        return _names(models, lang)
    return reason_text(version.reason_code, version.reason_params, version.reason, lang, what_only=True)


def current_language_code() -> str:
    return (translation.get_language() or "ru").split("-")[0]
