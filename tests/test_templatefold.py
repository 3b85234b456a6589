"""core.templatefold: templates compiled per language with constant translations and static URLs
folded into text render exactly what Django's own cached loader renders, in each language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Engine
from django.template.backends.django import Template as BackendTemplate
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.templatetags.static import StaticNode
from django.utils import translation

from otklik.core.templatefold import Constant

CASES = {
    "plain.html": (
        '{% load i18n static %}<a href="{% static "web/app.css" %}">{% translate "Skip to content" %}</a>'
        "{% blocktranslate %}Service regulation{% endblocktranslate %}"
        '<p title="{% translate "Show the changes" %}">{{ name }}</p>'
    ),
    # What must stay as it is: a variable, a filter, a context, an `as` name, a count, a variable
    # inside the block, a static path from a variable.
    "kept.html": (
        "{% load i18n static %}{% translate word %}|{% translate 'Skip to content'|upper %}|"
        '{% translate "Open" context "requests" %}|{% translate "Skip to content" as skip %}[{{ skip }}]|'
        "{% blocktranslate count counter=n %}{{ counter }} unread{% plural %}{{ counter }} unread"
        "{% endblocktranslate %}|{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}|{% static path %}"
    ),
    # Escaping follows the autoescape in force where the node stands; a language block keeps its own.
    "escape.html": (
        '{% load i18n static %}{% translate "A & B" %}|{% static "web/a&b.css" %}|{% autoescape off %}'
        '{% translate "A & B" %}{% blocktranslate %}<b>{% endblocktranslate %}{% static "web/a&b.css" %}'
        "{% endautoescape %}|"
        '{% language "en" %}{% translate "Skip to content" %}{% endlanguage %}|'
        '{% if name %}{% translate "Service regulation" %}{% else %}{% translate "Show the changes" %}{% endif %}'
        '{% for x in items %}{% translate "Skip to content" %}{% empty %}{% translate "Open" %}{% endfor %}'
    ),
    "child.html": (
        '{% extends "parent.html" %}{% load i18n %}{% block body %}{% translate "Show the changes" %}{% endblock %}'
    ),
    "parent.html": '{% load i18n %}<title>{% translate "Service regulation" %}</title>{% block body %}{% endblock %}',
    # Another language inside the page: an include in a language block, once per language in a
    # loop (Django keeps an include's template for the loop), a child's block inside the parent's.
    "switch.html": (
        '{% load i18n %}{% translate "Skip to content" %}|{% language "en" %}{% include "plain.html" %}'
        '{% endlanguage %}|{% for code in codes %}{% language code %}{% include "plain.html" %}'
        "{% endlanguage %}{% endfor %}"
    ),
    "langparent.html": '{% load i18n %}{% language "en" %}{% block body %}{% endblock %}{% endlanguage %}',
    "langchild.html": (
        '{% extends "langparent.html" %}{% load i18n %}{% block body %}{% translate "Skip to content" %}{% endblock %}'
    ),
}
CONTEXT = {
    "name": "Ivan & Co",
    "word": "Open",
    "n": 3,
    "path": "web/app.js",
    "items": [1, 2],
    "codes": ["ru", "en", "ru"],
}


def engine(folded: bool) -> Engine:
    loaders = [("django.template.loaders.locmem.Loader", CASES)]
    cached = "otklik.core.templatefold.Loader" if folded else "django.template.loaders.cached.Loader"
    loader = (cached, loaders)
    libraries = {"i18n": "django.templatetags.i18n", "static": "django.templatetags.static"}
    return Engine(loaders=[loader], libraries=libraries)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_folded_template_renders_what_django_renders(name: str, language: str) -> None:
    plain, folded = engine(False), engine(True)
    with translation.override(language):
        expected = plain.get_template(name).render(Context(CONTEXT))
        got = folded.get_template(name).render(Context(CONTEXT))
        again = folded.get_template(name).render(Context(CONTEXT))  # from the cache
    assert got == expected == again


def test_one_compiled_template_serves_each_language_in_turn() -> None:
    plain, folded = engine(False), engine(True)
    for name in ("plain.html", "switch.html", "langchild.html"):
        compiled = folded.get_template(name)
        for language in ("ru", "en", "ru", "en"):
            with translation.override(language):
                assert compiled.render(Context(CONTEXT)) == plain.get_template(name).render(Context(CONTEXT))
    with translation.override("ru"):
        assert "Перейти к содержанию" in folded.get_template("plain.html").render(Context(CONTEXT))
        assert "Skip to content" in folded.get_template("langchild.html").render(Context(CONTEXT))


def test_what_depends_on_the_context_is_not_folded() -> None:
    """Counted by Django's own walk of the nodes (an `if` counts each branch)."""
    folded = engine(True)
    plain = folded.get_template("plain.html").nodelist
    kept = folded.get_template("kept.html").nodelist
    escape = folded.get_template("escape.html").nodelist
    assert not plain.get_nodes_by_type(TranslateNode) + plain.get_nodes_by_type(BlockTranslateNode)
    assert not plain.get_nodes_by_type(StaticNode)
    assert len(plain.get_nodes_by_type(Constant)) == 4
    assert len(kept.get_nodes_by_type(TranslateNode)) == 4
    assert len(kept.get_nodes_by_type(BlockTranslateNode)) == 2
    assert len(kept.get_nodes_by_type(StaticNode)) == 1
    assert not kept.get_nodes_by_type(Constant)
    # Every branch: the two of the `if`, the loop and its `{% empty %}`, the language block.
    assert not escape.get_nodes_by_type(TranslateNode)
    assert len(escape.get_nodes_by_type(Constant)) == 10


def test_a_changed_setting_drops_the_compiled_templates(settings) -> None:
    from django.template import engines

    from otklik.core.templatefold import Loader

    (loader,) = [x for x in engines["django"].engine.template_loaders if isinstance(x, Loader)]
    engines["django"].get_template("web/queue/tabs.html")
    assert loader.get_template_cache
    settings.STATIC_URL = "/elsewhere/"
    assert not loader.get_template_cache


def test_the_sites_templates_load_in_both_languages() -> None:
    """Every template of the site compiles and folds (as gunicorn's master warms them)."""
    from django.template.loader import get_template

    site = Path(__file__).resolve().parent.parent / "src" / "otklik" / "web" / "templates"
    names = [str(p.relative_to(site)) for p in sorted(site.rglob("*.html"))]
    assert len(names) > 40
    for language in ("ru", "en"):
        with translation.override(language):
            for name in names:
                template = get_template(name)
                assert isinstance(template, BackendTemplate) and template.template.nodelist
