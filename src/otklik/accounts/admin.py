from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import ManyToManyField, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from .models import ApiToken, GroupMembership, Organisation, SupportGroup, User
from .services import token_create

# Access comes from roles and support groups; Django's permission groups would only confuse.
admin.site.unregister(Group)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(SupportGroup)
class SupportGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "name_en", "dispatcher", "auto_assign", "is_active")
    search_fields = ("code", "name_ru", "name_en")
    # The categories a group owns are shown by the catalogue's admin (catalog/admin.py).
    inlines = [MembershipInline]
    autocomplete_fields = ("dispatcher",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "is_active", "is_superuser")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Help desk profile"),
            {
                "fields": (
                    *("role", "organisation", "sees_organisation_requests", "language", "time_zone"),
                    # The person confirms their own phone and messenger address by a code (their
                    # settings page); a change here un-confirms it.
                    *("phone", "phone_verified", "messenger", "messenger_verified"),
                )
            },
        ),
    )
    readonly_fields = ("phone_verified", "messenger_verified")
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Help desk profile"), {"fields": ("email", "role", "organisation", "language", "time_zone")}),
    )

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name == "user_permissions":
            field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
        return field


def permission_label(permission: Permission) -> str:
    """A permission in the reader's language: Django stores "Can add route point" in English."""
    action = permission.codename.partition("_")[0]
    words = {
        "add": pgettext("permission", "add"),
        "change": pgettext("permission", "change"),
        "delete": pgettext("permission", "delete"),
        "view": pgettext("permission", "view"),
    }
    if action not in words or permission.codename != f"{action}_{permission.content_type.model}":
        return str(permission)
    return f"{permission.content_type} | {words[action]}"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created here (shown once), revoked here, never shown again."""

    list_display = (
        "hint",
        "user",
        "name",
        "integration",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at", "integration", "scope")
    search_fields = ("user__username", "name", "hint")
    autocomplete_fields = ("user",)
    fields = ("user", "name", "expires_at", "integration", "scope", "hint", "created_at", "last_used_at", "revoked_at")
    # A notifier's scoped token comes from pairing (Settings → Desktop notifier), not from here.
    readonly_fields = ("scope", "hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> tuple[str, ...]:
        if obj is not None:
            return ("user", "name", "expires_at", "integration", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiToken, form: forms.ModelForm[ApiToken], change: bool) -> None:
        if change:
            return
        token, raw = token_create(user=obj.user, name=obj.name, expires_at=obj.expires_at, integration=obj.integration)
        obj.pk = token.pk
        messages.warning(
            request,
            _("The new token is %(token)s. Copy it now: it is stored only as a hash and cannot be shown again.")
            % {"token": raw},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        from otklik.core.clock import now

        from .tokens import forget_tokens

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=now())
        forget_tokens()
        messages.success(
            request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count}
        )
