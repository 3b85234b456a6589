"""The admin's complaints: a read-only list with filters, each complaint with its history inline;
nothing is added, changed or deleted there (the services write complaints)."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.complaints.models import Complaint
from otklik.complaints.services import complaint_file, complaint_note, complaint_take
from otklik.testing.factories import file_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas) -> Client:
    personas.admin.language = "en"
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    return client


@pytest.fixture
def complaint(personas) -> Complaint:
    c = complaint_file(author=personas.initiator, body="Nobody answered.", ticket=file_error(personas.initiator))
    complaint_note(complaint=c, actor=personas.manager, body="Called the lead.")
    return complaint_take(complaint=c, actor=personas.manager, version=1)


def test_the_list_with_its_filters(admin, complaint, personas):
    other = complaint_file(author=personas.outsider, body="Closed at 11:00", kind="regulation")
    page = admin.get("/admin/complaints/complaint/").content.decode()
    assert complaint.number in page and other.number in page
    assert "By state" in page and "By about" in page and "By support group" in page
    assert "Add complaint" not in page
    filtered = admin.get("/admin/complaints/complaint/?state__exact=review").content.decode()
    assert complaint.number in filtered and other.number not in filtered
    assert complaint.number in admin.get("/admin/complaints/complaint/?q=Nobody").content.decode()


def test_one_complaint_with_its_history_and_nothing_to_change(admin, complaint):
    url = f"/admin/complaints/complaint/{complaint.pk}/change/"
    page = admin.get(url).content.decode()
    assert "Nobody answered." in page and "Called the lead." in page and "taken under review" in page
    assert 'name="_save"' not in page
    assert admin.post(url, {"body": "changed", "state": "upheld"}).status_code == 403
    assert admin.get(f"/admin/complaints/complaint/{complaint.pk}/delete/").status_code == 403
    assert admin.get("/admin/complaints/complaint/add/").status_code == 403
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.body, stored.state) == ("Nobody answered.", "review")
