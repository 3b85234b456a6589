"""Attachments: upload (multipart), download only for those who may see them, internal ones for
support only, size limits, and file names that never reach the file system."""

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from otklik.tickets.models import Attachment, LogRecord


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def ticket(api, media):
    r = api("initiator").post("/tickets", {"type": "error", "subject": "Сбой", "fields": {"steps": "шаги"}})
    assert r.status_code == 201, r.content
    return r.json()


def files_in(root):
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def upload(api, who, ticket_id, name="log.txt", content=b"hello", content_type="text/plain", **data):
    f = SimpleUploadedFile(name, content, content_type=content_type)
    return api(who).upload(f"/tickets/{ticket_id}/attachments", {"file": f}, data)


def download(api, who, url):
    r = api(who).client.get(url)
    # Reading the stream to its end closes the file; the test client closes the response then
    # (calling r.close() again would fire request_finished and close the test's DB connection).
    body = b"".join(r.streaming_content) if r.streaming else r.content
    return r, body


def multipart(filename, content, boundary="otklikBoundary7"):
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_upload_is_201_with_the_attachment(api, media, ticket):
    r = upload(api, "initiator", ticket["id"], content=b"line 1\nline 2\n")
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["name"] == "log.txt"
    assert a["size"] == 14
    assert a["content_type"] == "text/plain"
    assert a["internal"] is False
    assert a["url"] == f"/api/v1/tickets/{ticket['id']}/attachments/{a['id']}"
    row = Attachment.objects.get(pk=a["id"])
    assert row.uploaded_by.username == "initiator"
    assert len(row.sha256) == 64
    assert (media / row.file.name).read_bytes() == b"line 1\nline 2\n"

    detail = api("initiator").get(f"/tickets/{ticket['id']}").json()
    assert [x["id"] for x in detail["attachments"]] == [a["id"]]
    log = api("initiator").get(f"/tickets/{ticket['id']}/activity").json()
    (rec,) = [e for e in log if e["event"] == "attachment"]
    assert rec["body"] == "log.txt"
    assert rec["actor"]["username"] == "initiator"


def test_download_returns_the_bytes_as_an_attachment(api, ticket):
    payload = bytes(range(256)) * 4
    a = upload(api, "initiator", ticket["id"], name="dump.bin", content=payload).json()
    for who in ("initiator", "agent", "lead", "manager"):
        r, body = download(api, who, a["url"])
        assert r.status_code == 200, who
        assert body == payload
        assert r["Content-Disposition"] == 'attachment; filename="dump.bin"'
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Type"] == "application/octet-stream"


def test_html_is_never_served_as_html(api, ticket):
    a = upload(
        api, "initiator", ticket["id"], name="x.html", content=b"<script>alert(1)</script>", content_type="text/html"
    )
    assert a.status_code == 201
    r, body = download(api, "agent", a.json()["url"])
    assert body == b"<script>alert(1)</script>"
    assert r["Content-Type"] == "application/octet-stream"
    assert r["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in r["Content-Security-Policy"]


def test_non_ascii_name_is_encoded_in_the_header(api, ticket):
    a = upload(api, "initiator", ticket["id"], name="отчёт.pdf").json()
    assert a["name"] == "отчёт.pdf"
    r, _ = download(api, "agent", a["url"])
    assert r["Content-Disposition"] == "attachment; filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf"


@pytest.mark.parametrize("who", ["outsider", "initiator2", "agent2"])
def test_those_who_cannot_see_the_ticket_get_404(api, media, ticket, who):
    a = upload(api, "initiator", ticket["id"]).json()
    r, body = download(api, who, a["url"])
    assert r.status_code == 404
    assert r.json() == {"detail": f"request {ticket['id']} not found", "code": "not_found"}
    assert b"hello" not in body

    before = files_in(media)
    r = upload(api, who, ticket["id"], name="intruder.txt")
    assert r.status_code == 404
    assert Attachment.objects.filter(ticket_id=ticket["id"]).count() == 1
    assert files_in(media) == before


def test_attachment_of_another_ticket_is_404(api, ticket):
    a = upload(api, "initiator", ticket["id"]).json()
    other = api("initiator2").post("/tickets", {"type": "error", "subject": "Моё", "fields": {"steps": "ш"}}).json()
    # initiator2 addresses initiator's file through her own ticket
    r, _ = download(api, "initiator2", f"/api/v1/tickets/{other['id']}/attachments/{a['id']}")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_missing_attachment_is_404(api, ticket):
    r, _ = download(api, "agent", f"/api/v1/tickets/{ticket['id']}/attachments/987654")
    assert r.status_code == 404
    assert r.json() == {"detail": "attachment 987654 not found", "code": "not_found"}


def test_internal_attachment_is_hidden_from_the_initiator(api, ticket):
    r = upload(api, "agent", ticket["id"], name="diagnostics.txt", content=b"secret", internal="true")
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["internal"] is True

    r, body = download(api, "initiator", a["url"])
    assert r.status_code == 404
    assert r.json() == {"detail": f"attachment {a['id']} not found", "code": "not_found"}
    assert body != b"secret"
    assert api("initiator").get(f"/tickets/{ticket['id']}").json()["attachments"] == []
    log = api("initiator").get(f"/tickets/{ticket['id']}/activity").json()
    assert "diagnostics.txt" not in str(log)

    # support sees it
    r, body = download(api, "lead", a["url"])
    assert (r.status_code, body) == (200, b"secret")
    assert [x["id"] for x in api("agent").get(f"/tickets/{ticket['id']}").json()["attachments"]] == [a["id"]]


def test_initiator_cannot_upload_internal(api, media, ticket):
    r = upload(api, "initiator", ticket["id"], internal="true")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert not Attachment.objects.exists()
    assert files_in(media) == []


def test_over_the_size_limit_is_422_and_leaves_no_file(api, media, ticket, settings):
    settings.MAX_ATTACHMENT_BYTES = 1024
    reactions = LogRecord.objects.count()
    r = upload(api, "initiator", ticket["id"], name="big.bin", content=b"x" * 1025)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "too_large"
    assert r.json()["errors"] == [
        {"field": "file", "code": "too_large", "params": {"name": "big.bin", "limit": 1024}, "message": "too large"}
    ]
    assert not Attachment.objects.exists()
    assert LogRecord.objects.count() == reactions
    assert files_in(media) == []

    r = upload(api, "initiator", ticket["id"], name="fits.bin", content=b"x" * 1024)
    assert r.status_code == 201
    assert r.json()["size"] == 1024


def test_empty_file_is_422(api, media, ticket):
    r = upload(api, "initiator", ticket["id"], name="empty.txt", content=b"")
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "file", "code": "empty", "params": {"name": "empty.txt"}, "message": "empty"}
    ]
    assert not Attachment.objects.exists()
    assert files_in(media) == []


def test_upload_without_a_file_is_422(api, ticket):
    r = api("initiator").upload(f"/tickets/{ticket['id']}/attachments", {}, {"internal": "false"})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("../../etc/passwd", "passwd"), ("..\\\\..\\\\windows\\\\evil.bat", "evil.bat"), ("/abs/path/x.txt", "x.txt")],
)
def test_path_traversal_name_is_stored_under_a_random_name(api, media, ticket, sent, kept):
    body, content_type = multipart(sent, b"root:x:0:0")
    r = api("initiator").client.post(f"/api/v1/tickets/{ticket['id']}/attachments", body, content_type=content_type)
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["name"] == kept
    assert "/" not in a["name"] and "\\" not in a["name"]

    row = Attachment.objects.get(pk=a["id"])
    stored = Path(row.file.path).resolve()
    assert stored.is_relative_to(media.resolve() / "attachments")
    assert stored.name == row.token  # random, not the user's name
    assert kept not in str(row.file.name)
    assert stored.read_bytes() == b"root:x:0:0"
    assert files_in(media) == [row.file.name]
    # nothing was written beside the media root
    assert sorted(os.listdir(media.parent)) == ["media"]

    r, content = download(api, "agent", a["url"])
    assert content == b"root:x:0:0"
    assert r["Content-Disposition"] == f'attachment; filename="{kept}"'


def test_two_uploads_of_the_same_name_are_two_files(api, media, ticket):
    a = upload(api, "initiator", ticket["id"], name="same.txt", content=b"one").json()
    b = upload(api, "initiator", ticket["id"], name="same.txt", content=b"two").json()
    assert a["id"] != b["id"]
    assert download(api, "agent", a["url"])[1] == b"one"
    assert download(api, "agent", b["url"])[1] == b"two"
    assert len(files_in(media)) == 2


def test_a_watcher_may_upload(api, ticket):
    api("agent").post(f"/tickets/{ticket['id']}/watchers", {"user": "initiator2"})
    r = upload(api, "initiator2", ticket["id"], name="from-maria.txt")
    assert r.status_code == 201, r.content
    r, body = download(api, "initiator", r.json()["url"])
    assert body == b"hello"
