"""Every admin screen opens for the administrator, in Russian and in English."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_admin_page_renders(personas, language):
    personas.admin.language = language
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        if model_admin.has_add_permission(_request(personas.admin)):
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
        for url in urls:
            resp = client.get(url, follow=True)  # a singleton's list opens its row (or the form that makes it)
            assert resp.status_code == 200, url
            assert f'lang="{language}"' in resp.content.decode()
            checked += 1
    assert checked >= 25


def test_admin_is_closed_to_support_staff_without_admin_rights(personas):
    client = Client()
    client.force_login(personas.manager)
    resp = client.get("/admin/tickets/ticket/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def _request(user):
    from django.test import RequestFactory

    req = RequestFactory().get("/admin/")
    req.user = user
    return req


def test_the_request_page_shows_its_sla_clocks_and_ledger(personas):
    from otklik.tickets.models import Ticket

    personas.admin.language = "en"
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    ticket = Ticket.objects.filter(sla_clocks__isnull=False).order_by("pk").first()
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "SLA clocks" in page and "first reaction" in page and "resolution" in page
    assert "applied" in page  # the ledger's records, in the log below
