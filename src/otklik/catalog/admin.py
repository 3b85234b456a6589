from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from otklik.accounts.admin import SupportGroupAdmin
from otklik.accounts.models import SupportGroup

from .models import Category, FormField, Priority, RequestType


class FormFieldInline(admin.StackedInline):
    model = FormField
    extra = 0


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_ru",
        "name_en",
        "prefix",
        "route",
        "default_group",
        "auto_confirm_days",
        "last_number",
        "is_active",
    )
    readonly_fields = ("last_number",)
    inlines = [FormFieldInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "name_en", "parent", "in_scope", "default_group", "order", "is_active")
    list_filter = ("in_scope", "is_active", "default_group")
    search_fields = ("code", "name_ru", "name_en")
    autocomplete_fields = ("parent",)


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ru", "name_en", "rank", "is_default", "is_active")


class OwnedCategoryInline(admin.TabularInline):
    """The categories this competence area owns (their requests come to this group)."""

    model = Category
    fk_name = "default_group"
    fields = ("code", "name_ru", "name_en", "parent", "in_scope")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("categories owned")

    def has_add_permission(self, request: HttpRequest, obj: SupportGroup | None = None) -> bool:
        return False


SupportGroupAdmin.inlines = [*SupportGroupAdmin.inlines, OwnedCategoryInline]
