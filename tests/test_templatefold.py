"""core.templatefold: templates compiled per language with constant translations and static URLs
folded into text render exactly what Django's own cached loader renders, in each language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Engine
from django.template.backends.django import Template as BackendTemplate
from django.template.base import Node, NodeList, TextNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.templatetags.static import StaticNode
from django.utils import translation

from otklik.core.templatefold import _nodelists

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
}
CONTEXT = {"name": "Ivan & Co", "word": "Open", "n": 3, "path": "web/app.js", "items": [1, 2]}


def engine(folded: bool) -> Engine:
    loaders = [("django.template.loaders.locmem.Loader", CASES)]
    cached = "otklik.core.templatefold.Loader" if folded else "django.template.loaders.cached.Loader"
    loader = (cached, loaders)
    libraries = {"i18n": "django.templatetags.i18n", "static": "django.templatetags.static"}
    return Engine(loaders=[loader], libraries=libraries)


def nodes(nodelist: NodeList) -> list[Node]:
    found: list[Node] = []
    for node in nodelist:
        found.append(node)
        for child in _nodelists(node):
            found += nodes(child)
    return found


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_folded_template_renders_what_django_renders(name: str, language: str) -> None:
    plain, folded = engine(False), engine(True)
    with translation.override(language):
        expected = plain.get_template(name).render(Context(CONTEXT))
        got = folded.get_template(name).render(Context(CONTEXT))
        again = folded.get_template(name).render(Context(CONTEXT))  # from the cache
    assert got == expected == again


def test_each_language_has_its_own_compiled_template() -> None:
    folded = engine(True)
    with translation.override("ru"):
        ru = folded.get_template("plain.html")
        assert "Перейти к содержанию" in ru.render(Context(CONTEXT))
    with translation.override("en"):
        en = folded.get_template("plain.html")
        assert "Skip to content" in en.render(Context(CONTEXT))
    with translation.override("ru"):
        assert folded.get_template("plain.html") is ru  # compiled once per language
    assert en is not ru


def test_what_depends_on_the_context_is_not_folded() -> None:
    with translation.override("ru"):
        plain = nodes(engine(True).get_template("plain.html").nodelist)
        kept = nodes(engine(True).get_template("kept.html").nodelist)
        escape = nodes(engine(True).get_template("escape.html").nodelist)
    assert not [n for n in plain if isinstance(n, TranslateNode | BlockTranslateNode | StaticNode)]
    assert any(isinstance(n, TextNode) and "Перейти к содержанию" in n.s for n in plain)
    assert len([n for n in kept if isinstance(n, TranslateNode)]) == 4
    assert len([n for n in kept if isinstance(n, BlockTranslateNode)]) == 2
    assert len([n for n in kept if isinstance(n, StaticNode)]) == 1
    # The one inside the language block stays a node: it renders in English on a Russian page.
    assert len([n for n in escape if isinstance(n, TranslateNode)]) == 1


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
