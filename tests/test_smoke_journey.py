"""The Error route's whole journey through the API, as the demo's people would take it."""


def test_error_journey_rejected_then_confirmed(api):
    r = api("initiator").post(
        "/tickets",
        {"type": "error", "subject": "Отчёт падает", "category": "accounting", "fields": {"steps": "открыть отчёт"}},
    )
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["number"].startswith("ERR-") and t["state"] == "new"
    assert t["executor"] is None  # it waits in the first line's queue, where Alexei takes it
    queue = api("agent").get("/tickets", executor="none", group="first-line", state="open").json()["items"]
    assert t["number"] in [item["number"] for item in queue]

    def take(who, code, version, **extra):
        resp = api(who).post(f"/tickets/{t['id']}/transitions", {"transition": code, "version": version, **extra})
        assert resp.status_code == 200, resp.content
        return resp.json()

    t1 = take("agent", "accept", 1)
    assert t1["state"] == "accepted" and t1["executor"]["username"] == "agent"
    t2 = take("agent", "start", t1["version"])
    t3 = take("agent", "resolve", t2["version"], comment="Исправлено")
    t4 = take("initiator", "reject", t3["version"], comment="Всё ещё падает")
    assert t4["state"] == "in_work"
    t5 = take("agent", "resolve", t4["version"], comment="Теперь точно")
    t6 = take("initiator", "confirm", t5["version"])
    assert t6["state"] == "closed" and t6["is_open"] is False and t6["transitions"] == []

    log = api("initiator").get(f"/tickets/{t['id']}/activity").json()
    reactions = [e["reaction"] for e in log if e["event"] == "transition"]
    assert reactions == [
        "executor_accepted",
        "executor_started",
        "executor_resolved",
        "initiator_rejected",
        "executor_resolved",
        "initiator_confirmed",
    ]
