"""The service catalogue: request types, the category tree (with its scope), priorities, form fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.core.i18n import localized

from .formfields import FIELD_KINDS, FieldSpec, FieldSpecError, parse_choices


class NamedBilingual(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (ru)"), max_length=200)
    name_en = models.CharField(_("name (en)"), max_length=200)
    description_ru = models.TextField(_("description (ru)"), blank=True)
    description_en = models.TextField(_("description (en)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")


class RequestType(NamedBilingual):
    """Error, Wish, Request, … Each has its own route, numbering and form."""

    prefix = models.CharField(
        _("number prefix"), max_length=8, unique=True, help_text=_("ERR gives numbers like ERR-000123.")
    )
    route = models.ForeignKey(
        "routes.Route", verbose_name=_("route"), on_delete=models.PROTECT, related_name="request_types"
    )
    default_group = models.ForeignKey(
        "accounts.SupportGroup",
        verbose_name=_("default support group"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Handles requests of this type whose category names no group."),
    )
    auto_confirm_days = models.PositiveSmallIntegerField(
        _("confirmation period (working days)"),
        null=True,
        blank=True,
        default=5,
        help_text=_(
            "A resolved request the initiator neither confirms nor rejects within this many working days "
            "(in the group's calendar) closes as confirmed automatically. Empty: it waits for the initiator."
        ),
    )
    last_number = models.PositiveBigIntegerField(_("last number issued"), default=0, editable=False)

    class Meta(NamedBilingual.Meta):
        verbose_name = _("request type")
        verbose_name_plural = _("request types")

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The number counter belongs to ticket_create alone (an atomic UPDATE … RETURNING): a
        # save of an instance read earlier (the admin form, the reference snapshot) must never
        # write back a stale last_number, or the next request of this type would collide.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields if not f.primary_key and f.attname != "last_number"
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.prefix and not self.prefix.isalnum():
            raise ValidationError({"prefix": _("Letters and digits only.")})
        if self.route_id and not self.route.is_active:
            raise ValidationError({"route": _("Only an active (validated) route can serve a request type.")})


class Category(NamedBilingual):
    """A node of the service catalogue. Out-of-scope nodes follow the route's out-of-scope procedure."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    in_scope = models.BooleanField(_("in the support service's scope"), default=True)
    out_of_scope_note_ru = models.TextField(_("where to go instead (ru)"), blank=True)
    out_of_scope_note_en = models.TextField(_("where to go instead (en)"), blank=True)
    default_group = models.ForeignKey(
        "accounts.SupportGroup",
        verbose_name=_("default support group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="categories",
    )

    class Meta(NamedBilingual.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    @property
    def out_of_scope_note(self) -> str:
        return localized(self, "out_of_scope_note")

    def effective_group_id(self) -> int | None:
        """The nearest group up the tree (a sub-category inherits its parent's group)."""
        node: Category | None = self
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            if node.default_group_id:
                return node.default_group_id
            seen.add(node.pk)
            node = node.parent
        return None

    def clean(self) -> None:
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            node = node.parent


class Priority(NamedBilingual):
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=0, help_text=_("0 is the most urgent; lists sort by rank.")
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["rank", "code"]


class FormField(models.Model):
    """One field of a request type's formal form, validated on the server."""

    request_type = models.ForeignKey(
        RequestType, on_delete=models.CASCADE, related_name="form_fields", verbose_name=_("request type")
    )
    code = models.SlugField(_("code"), max_length=50)
    label_ru = models.CharField(_("label (ru)"), max_length=200)
    label_en = models.CharField(_("label (en)"), max_length=200)
    help_ru = models.CharField(_("hint (ru)"), max_length=300, blank=True)
    help_en = models.CharField(_("hint (en)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=[(k, k) for k in FIELD_KINDS])
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("For a choice field: one per line, as value|label ru|label en."),
    )
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=18, decimal_places=4, null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["request_type", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["request_type", "code"], name="uniq_type_field")]

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return localized(self, "label")

    def spec(self) -> FieldSpec:
        return FieldSpec(
            code=self.code,
            kind=self.kind,
            required=self.required,
            label=self.label,
            choices=tuple(c.value for c in parse_choices(self.choices)) if self.kind == "choice" else (),
            max_length=self.max_length,
            min_value=self.min_value,
            max_value=self.max_value,
        )

    def clean(self) -> None:
        try:
            self.spec().check()
        except FieldSpecError as exc:
            raise ValidationError(str(exc)) from exc
