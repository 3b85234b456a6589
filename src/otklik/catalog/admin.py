from django.contrib import admin

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
