"""GET /api/v1/me: who the caller is, their role and their support groups."""

from django.test import Client


def test_me_for_an_initiator(api):
    r = api("initiator").get("/me")
    assert r.status_code == 200
    me = r.json()
    assert me["username"] == "initiator"
    assert me["name"] == "Иван Петров"
    assert me["email"] == "initiator@example.com"
    assert me["role"] == "initiator"
    assert me["is_support_staff"] is False
    assert me["groups"] == []
    assert me["organisation"] == "ООО «Демо» / Demo Ltd"
    assert me["language"] in ("ru", "en")
    assert me["time_zone"] == "Europe/Moscow"


def test_me_for_a_group_lead(api):
    me = api("lead").get("/me").json()
    assert me["role"] == "lead"
    assert me["is_support_staff"] is True
    assert [(g["code"], g["is_lead"]) for g in me["groups"]] == [("first-line", True)]
    assert me["groups"][0]["name"]


def test_me_for_agents_of_each_line(api):
    agent = api("agent").get("/me").json()
    assert agent["role"] == "agent"
    assert agent["is_support_staff"] is True
    assert [(g["code"], g["is_lead"]) for g in agent["groups"]] == [("first-line", False)]

    agent2 = api("agent2").get("/me").json()
    assert [(g["code"], g["is_lead"]) for g in agent2["groups"]] == [("second-line", False)]


def test_me_for_manager_admin_and_outsider(api):
    manager = api("manager").get("/me").json()
    assert (manager["role"], manager["is_support_staff"], manager["groups"]) == ("manager", True, [])

    admin = api("admin").get("/me").json()
    assert (admin["role"], admin["is_support_staff"]) == ("admin", True)

    outsider = api("outsider").get("/me").json()
    assert outsider["role"] == "initiator"
    assert outsider["is_support_staff"] is False
    assert outsider["organisation"] == "Other Org"


def test_me_lists_every_group_sorted_and_drops_inactive_ones(api, personas):
    from otklik.accounts.models import GroupMembership, SupportGroup

    second = SupportGroup.objects.get(code="second-line")
    GroupMembership.objects.create(group=second, user=personas.agent, is_lead=True)
    groups = api("agent").get("/me").json()["groups"]
    assert [(g["code"], g["is_lead"]) for g in groups] == [("first-line", False), ("second-line", True)]

    second.is_active = False
    second.save()  # as the admin does; a bulk .update() would show only after the snapshot's TTL
    groups = api("agent").get("/me").json()["groups"]
    assert [g["code"] for g in groups] == ["first-line"]


def test_me_needs_authentication(db):
    r = Client().get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
