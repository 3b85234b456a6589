"""Answers are built as dicts and sent without runtime validation (api/respond.py); here every
kind of answer is validated against the schema the OpenAPI document promises."""

from otklik.api.schemas import ActivityOut, AttachmentOut, TicketOut, TicketPage


def test_every_ticket_answer_matches_its_documented_schema(api):
    client = api("initiator")
    created = client.post(
        "/tickets", {"type": "error", "subject": "Схема", "category": "accounting", "fields": {"steps": "1"}}
    )
    assert created.status_code == 201
    TicketOut.model_validate(created.json())
    tid = created.json()["id"]

    TicketOut.model_validate(client.get(f"/tickets/{tid}").json())
    page = client.get("/tickets").json()
    TicketPage.model_validate(page)
    assert page["items"]

    moved = api("agent").post(f"/tickets/{tid}/transitions", {"transition": "accept", "version": 1})
    TicketOut.model_validate(moved.json())
    comment = client.post(f"/tickets/{tid}/comments", {"body": "Спасибо"})
    ActivityOut.model_validate(comment.json())
    for entry in client.get(f"/tickets/{tid}/activity").json():
        ActivityOut.model_validate(entry)

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.upload(f"/tickets/{tid}/attachments", {"file": SimpleUploadedFile("a.txt", b"data")})
    AttachmentOut.model_validate(upload.json())
    detail = client.get(f"/tickets/{tid}").json()
    assert TicketOut.model_validate(detail).attachments[0].name == "a.txt"


def test_answers_are_utf8_json(api):
    resp = api("initiator").get("/catalog")
    assert resp["Content-Type"].startswith("application/json")
    assert "Ошибка" in resp.content.decode("utf-8")
