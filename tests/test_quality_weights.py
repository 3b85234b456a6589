"""The weights of the composite quality score: edited in the admin (validated), published in the
regulation's quality criteria with the KPIs' definitions and the formula (a change publishes a
new version, saving the same weights does not), and used by the report."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.quality import kpi
from otklik.quality.access import access_quality
from otklik.quality.models import QualityWeights
from otklik.quality.report import period_for, report_build
from otklik.regulation.models import Version
from otklik.regulation.render import document
from otklik.regulation.services import regulation_in_force

from .quality_month import build_month

pytestmark = pytest.mark.django_db
URL = "/admin/quality/qualityweights/"


def quality_section(version: Version, lang: str = "en") -> dict:
    return next(s for s in document(version.content, lang)["sections"] if s["code"] == "quality")


def admin(personas) -> Client:
    client = Client()
    client.force_login(personas.admin)
    return client


def test_the_defaults_until_someone_saves_them(personas):
    assert QualityWeights.current() == kpi.Weights(sla=40, satisfaction=30, reopens=15, complaints=15)
    section = next(s for s in regulation_in_force().content["sections"] if s["kind"] == "quality")
    assert [(c["code"], c["weight"]) for c in section["components"]] == [
        ("sla", 40),
        ("satisfaction", 30),
        ("reopens", 15),
        ("complaints", 15),
    ]
    assert [k["code"] for k in section["kpis"]][:3] == ["received", "resolved", "first_reaction"]


def test_the_admin_refuses_weights_that_make_no_score(personas):
    client = admin(personas)
    response = client.post(URL + "add/", {"sla": 0, "satisfaction": 0, "reopens": 0, "complaints": 0})
    assert response.status_code == 200
    assert "Хотя бы один вес должен быть больше нуля." in response.content.decode()  # the admin speaks Russian
    response = client.post(URL + "add/", {"sla": 101, "satisfaction": 1, "reopens": 1, "complaints": 1})
    assert "Вес — целое число от 0 до 100." in response.content.decode()
    response = client.post(URL + "add/", {"sla": -1, "satisfaction": 1, "reopens": 1, "complaints": 1})
    assert response.status_code == 200
    assert not QualityWeights.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_changing_the_weights_publishes_them(personas):
    # Real commits: the regulation is published when the admin's change commits.
    before = regulation_in_force()
    client = admin(personas)
    response = client.post(URL + "add/", {"sla": 50, "satisfaction": 50, "reopens": 0, "complaints": 0})
    assert response.status_code == 302
    assert client.get(URL + "add/").status_code == 403  # one row: change it instead
    published = regulation_in_force()
    assert published.number == before.number + 1
    section = quality_section(published)
    table = next(b for b in section["blocks"] if b["type"] == "table")
    assert table["head"] == ["Component", "Brought to 0–1 as", "Weight", "Share"]
    assert table["rows"][0] == ["SLA compliance", "targets met / targets met or breached", "50", "50 %"]
    assert table["rows"][2][2:] == ["0", "0 %"]
    texts = " ".join(b.get("text", "") for b in section["blocks"])
    assert "score = 100 × Σ(weightᵢ × componentᵢ) / Σ(weightᵢ)" in texts
    kpis = next(b for b in section["blocks"] if b["type"] == "list")
    assert any(i["term"] == "Reopen rate" for i in kpis["items"])
    ru = quality_section(published, "ru")
    assert ru["title"] == "Оценка качества"
    assert any("Интегральная оценка" in b.get("text", "") for b in ru["blocks"])

    # Saving the same weights again publishes nothing.
    client.post(URL + "1/change/", {"sla": 50, "satisfaction": 50, "reopens": 0, "complaints": 0})
    assert regulation_in_force().number == published.number


def test_the_report_scores_with_the_published_weights(settings):
    month = build_month(settings)
    period = period_for("2026-03-01", "2026-03-31")
    default = report_build(access_quality(month.p.manager), period).data
    assert default["weights"] == {"sla": 40, "satisfaction": 30, "reopens": 15, "complaints": 15}
    QualityWeights(sla=0, satisfaction=1, reopens=0, complaints=0).save()
    only_satisfaction = report_build(access_quality(month.p.manager), period).data
    # Satisfaction alone: (3.5 − 1) / 4 = 62.5 for everyone; Sergei has no rating: no score.
    assert only_satisfaction["figures"]["quality_score"]["score"] == 62.5
    sergei = next(a for a in only_satisfaction["agents"] if a["agent"] == "lead")
    assert sergei["quality_score"]["score"] is None
    assert only_satisfaction["weights"] == {"sla": 0, "satisfaction": 1, "reopens": 0, "complaints": 0}
