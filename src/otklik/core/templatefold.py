"""Django's cached template loader, with what cannot change within one language rendered once
per language: `{% translate "…" %}`, `{% blocktranslate %}…{% endblocktranslate %}` without
variables, and `{% static "…" %}`.

Why: a page renders every such tag on every view, each a catalogue lookup (or a storage lookup)
for the same answer; on the request page they were about a tenth of the view's time (issue 15's
profiles). When a template is compiled, each such node is wrapped in a `Constant` that renders
the node itself the first time it is rendered in a language (and autoescaping), and gives that
text back afterwards. The language is the one active where the node renders, as with Django's own
nodes: a `{% language %}` block, an include inside one, or a template rendered under
`translation.override` all read in their own language.

Only nodes whose output depends on nothing but the language, the autoescaping and the process's
settings are wrapped: no variable, filter, context (`context "…"`) or `as` name. A change of the
settings they read (static files, languages, catalogues) drops the compiled templates.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Node, NodeList, Template, engines
from django.template.backends.django import DjangoTemplates
from django.template.base import Origin, TokenType, Variable
from django.template.defaulttags import IfNode
from django.template.loaders.cached import Loader as CachedLoader
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.templatetags.static import StaticNode
from django.utils import translation
from django.utils.safestring import SafeString

# The settings a constant node's text depends on, besides the language.
_READ = frozenset({"STATIC_URL", "STORAGES", "LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"})


class Loader(CachedLoader):
    """Django's cached loader; a template's constant nodes wrapped once, when it is compiled."""

    def get_template(self, template_name: str, skip: list[Origin] | None = None) -> Template:
        new = self.cache_key(template_name, skip) not in self.get_template_cache
        template: Template = super().get_template(template_name, skip)
        if new:
            fold(template.nodelist)
        return template


class Constant(Node):
    """A node rendered once per language and autoescaping, its text given back afterwards."""

    child_nodelists = ()

    def __init__(self, node: Node) -> None:
        self.node = node
        self.token = node.token
        self.origin = node.origin
        self.texts: dict[tuple[str | None, bool], SafeString | str] = {}

    def render(self, context: Context) -> SafeString | str:
        key = (translation.get_language(), context.autoescape)
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = self.node.render(context)
        return text


def _constant(node: Node) -> bool:
    """Does `node` render the same text whatever the context, in one language?"""
    if isinstance(node, TranslateNode):
        var, expression = node.filter_expression.var, node.filter_expression
        return (
            node.asvar is None
            and node.message_context is None
            and not expression.filters
            and isinstance(var, Variable)
            and var.literal is not None
            and var.lookups is None
        )
    if isinstance(node, BlockTranslateNode):
        return (
            node.asvar is None
            and node.message_context is None
            and not node.extra_context
            and not node.plural
            and node.counter is None
            and all(token.token_type == TokenType.TEXT for token in node.singular)
        )
    if isinstance(node, StaticNode):
        return node.varname is None and not node.path.filters and isinstance(node.path.var, str)
    return False


def _nodelists(node: Node) -> list[NodeList]:
    """The node lists `node` renders (an `if` keeps its branches apart from `child_nodelists`)."""
    if isinstance(node, IfNode):
        return [nodelist for _condition, nodelist in node.conditions_nodelists]
    found = (getattr(node, name, None) for name in node.child_nodelists)
    return [nodelist for nodelist in found if isinstance(nodelist, NodeList)]


def fold(nodelist: NodeList) -> None:
    """Wrap, in place, each constant node of `nodelist` (and of the lists within) in a `Constant`."""
    for index, node in enumerate(nodelist):
        if _constant(node):
            nodelist[index] = Constant(node)
            continue
        for child in _nodelists(node):
            fold(child)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    """Texts rendered with the settings of before are dropped with the templates that hold them."""
    if setting in _READ:
        for engine in engines.all():
            if isinstance(engine, DjangoTemplates):
                for loader in engine.engine.template_loaders:
                    if isinstance(loader, Loader):
                        loader.reset()
