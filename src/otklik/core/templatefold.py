"""Django templates compiled once per language, with what cannot change within one folded into
text: `{% translate "…" %}` and `{% blocktranslate %}…{% endblocktranslate %}` without variables
become their translation, `{% static "…" %}` its URL.

Why: a page renders every such tag on every view, each a catalogue lookup (or a storage lookup)
for the same answer; on the request page they were about a tenth of the view's time (issue 15's
profiles). Compiled per language, each is rendered once, when the template is first loaded in
that language. Escaping is unchanged: the fold is the node's own output, rendered with the
autoescaping in force where the node stands.

Only nodes whose output depends on nothing but the language and the process are folded: no
variable, filter, context (`context "…"`) or `as` name. A `{% language %}` block renders its
part in another language, so nothing inside one is folded. A template loaded outside any language
(translation deactivated) is kept apart from the others.
"""

from __future__ import annotations

from django.template import Context, Node, NodeList, Template
from django.template.base import Origin, TextNode, TokenType, Variable
from django.template.defaulttags import AutoEscapeControlNode, IfNode
from django.template.loaders.cached import Loader as CachedLoader
from django.templatetags.i18n import BlockTranslateNode, LanguageNode, TranslateNode
from django.templatetags.static import StaticNode
from django.utils import translation


class Loader(CachedLoader):
    """Django's cached loader, one cache entry per template and language, each folded once."""

    def cache_key(self, template_name: str, skip: list[Origin] | None = None) -> str:
        return f"{super().cache_key(template_name, skip)}@{translation.get_language() or ''}"

    def get_template(self, template_name: str, skip: list[Origin] | None = None) -> Template:
        new = self.cache_key(template_name, skip) not in self.get_template_cache
        template: Template = super().get_template(template_name, skip)
        if new:  # compiled just now, in this language
            fold(template, template.nodelist, autoescape=True)
        return template


def _constant(node: Node) -> bool:
    """Does `node` render the same text whatever the context, in one language and process?"""
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


def fold(template: Template, nodelist: NodeList, *, autoescape: bool) -> None:
    """Replace, in place, each constant node of `nodelist` (and of the lists within) by its text."""
    for index, node in enumerate(nodelist):
        if isinstance(node, LanguageNode):
            continue  # another language's part
        if _constant(node):
            context = Context(autoescape=autoescape)
            context.template = template
            nodelist[index] = TextNode(node.render(context))
            continue
        inner = bool(node.setting) if isinstance(node, AutoEscapeControlNode) else autoescape
        for child in _nodelists(node):
            fold(template, child, autoescape=inner)
