"""Email: the RFC 5322 bytes, and the SMTP notifier against a real server on loopback."""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.header import decode_header, make_header
from email.message import EmailMessage

import pytest

from notifiers.base import Attachment, Message, PermanentError, TransientError
from notifiers.email import EmailNotifier, message_id, mime_bytes
from tests.fakes.smtp import SmtpServer, free_port

SUBJECT = "[Nhắc việc] Sở Công Thương – hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026"
SENDER = "Nhắc việc <nhacviec@example.org>"


def message(key: str = "o1:before-7:c1:email", **changes: object) -> Message:
    values: dict[str, object] = {
        "key": key,
        "channel": "email",
        "to": "sct@example.org",
        "to_name": "Phòng Kế hoạch - SCT",
        "subject": SUBJECT,
        "text": "Kính gửi Phòng Kế hoạch,\n\nNhiệm vụ sau còn 7 ngày đến hạn.\n",
        "html": "<p>Kính gửi <b>Phòng Kế hoạch</b></p>",
        "headers": {"Date": "Fri, 12 Jun 2026 08:00:00 +0700"},
    }
    values.update(changes)
    return Message(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_the_message_parses_back_with_its_vietnamese_subject_and_both_parts() -> None:
    parsed = parse(mime_bytes(message(), SENDER))
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"].addresses[0].display_name == "Phòng Kế hoạch - SCT"
    assert parsed["To"].addresses[0].addr_spec == "sct@example.org"
    assert parsed["From"].addresses[0].display_name == "Nhắc việc"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"].datetime.isoformat() == "2026-06-12T08:00:00+07:00"
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    assert "còn 7 ngày đến hạn" in text.get_content()
    assert "<b>Phòng Kế hoạch</b>" in html.get_content()
    assert "List-Id" not in parsed


def test_the_message_is_seven_bit_clean_with_short_lines() -> None:
    long_subject = " ".join([SUBJECT, "📌❗", SUBJECT, "🆕" * 30])
    data = mime_bytes(message(subject=long_subject, to_name="Phòng " * 20), SENDER)
    assert parse(data)["Subject"] == long_subject
    # RFC 2047 decoding (the structured parser of CPython splits long names at the
    # encoded-word boundaries, as it does with the standard generator's own output)
    raw_to = email.message_from_bytes(data, policy=email.policy.compat32)["To"]
    assert str(make_header(decode_header(raw_to))) == ("Phòng " * 20).strip() + " <sct@example.org>"
    assert data.isascii()
    assert all(len(line) <= 78 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_the_message_id_derives_from_the_row_key_only() -> None:
    first = parse(mime_bytes(message(), SENDER))
    again = parse(mime_bytes(message(subject="changed", text="other"), SENDER))
    other = parse(mime_bytes(message(key="o1:on-due:c1:email"), SENDER))
    assert first["Message-ID"] == again["Message-ID"] == message_id("o1:before-7:c1:email")
    assert other["Message-ID"] != first["Message-ID"]
    assert first["Message-ID"].endswith("@nhacviec>")


def test_a_subject_cannot_smuggle_headers() -> None:
    parsed = parse(mime_bytes(message(subject="Hạn\r\nBcc: victim@example.org"), SENDER))
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Hạn Bcc: victim@example.org"


def test_attachments_go_with_the_text_in_a_mixed_message() -> None:
    docx = Attachment("Công văn.docx", b"PK\x03\x04data", "application/octet-stream")
    parsed = parse(mime_bytes(message(attachments=(docx,)), SENDER))
    assert parsed.get_content_type() == "multipart/mixed"
    (attached,) = list(parsed.iter_attachments())
    assert attached.get_filename() == "Công văn.docx"
    assert attached.get_content() == b"PK\x03\x04data"


def test_an_invalid_recipient_address_is_a_permanent_error_with_a_flag() -> None:
    with pytest.raises(PermanentError) as caught:
        mime_bytes(message(to="not an address"), SENDER)
    assert caught.value.flag is not None and "invalid email address" in caught.value.flag


def notifier(server: SmtpServer, **options: object) -> EmailNotifier:
    return EmailNotifier(host=server.host, port=server.port, sender=SENDER, timeout=5.0, **options)  # type: ignore[arg-type]


def test_a_batch_uses_one_connection(smtp: SmtpServer) -> None:
    async def send_three() -> None:
        async with notifier(smtp) as mail:
            for n in range(3):
                await mail.send(message(key=f"o{n}:s:c1:email"))

    asyncio.run(send_three())
    received = smtp.wait_for(3)
    assert len({r.peer for r in received}) == 1
    assert [r.rcpt_tos for r in received] == [["sct@example.org"]] * 3
    assert received[0].mail_from == "nhacviec@example.org"


def test_with_two_connections_two_messages_are_on_the_wire_at_once(smtp: SmtpServer) -> None:
    mail = notifier(smtp, connections=2)
    assert mail.max_in_flight == 2

    async def send_six_two_at_a_time() -> None:
        async with mail:
            for pair in range(3):
                await asyncio.gather(
                    *(mail.send(message(key=f"o{pair}{n}:s:c1:email")) for n in range(2))
                )

    asyncio.run(send_six_two_at_a_time())
    received = smtp.wait_for(6)
    assert len({r.peer for r in received}) == 2
    assert sorted(parse(r.data)["Message-ID"] for r in received) == sorted(
        message_id(f"o{pair}{n}:s:c1:email") for pair in range(3) for n in range(2)
    )


def test_the_server_gets_exactly_the_bytes_of_the_message(smtp: SmtpServer) -> None:
    async def send() -> None:
        async with notifier(smtp) as mail:
            await mail.send(message())

    asyncio.run(send())
    (received,) = smtp.wait_for(1)
    assert received.data == mime_bytes(message(), SENDER)


def test_a_refused_mailbox_is_permanent_and_flags_the_address(smtp: SmtpServer) -> None:
    smtp.refuse["sct@example.org"] = "550 5.1.1 <sct@example.org>: mailbox unknown"

    async def send() -> None:
        async with notifier(smtp) as mail:
            await mail.send(message())

    with pytest.raises(PermanentError) as caught:
        asyncio.run(send())
    assert caught.value.flag is not None and "550" in caught.value.flag
    assert "mailbox unknown" in caught.value.message


def test_a_4xx_reply_is_transient(smtp: SmtpServer) -> None:
    smtp.refuse["*"] = "451 4.3.0 try again later"

    async def send() -> None:
        async with notifier(smtp) as mail:
            await mail.send(message())

    with pytest.raises(TransientError, match="451"):
        asyncio.run(send())


def test_a_refused_message_is_permanent_without_flagging_the_address(smtp: SmtpServer) -> None:
    smtp.handler.data_reply = "554 5.7.1 message refused"

    async def send() -> None:
        async with notifier(smtp) as mail:
            await mail.send(message())

    with pytest.raises(PermanentError) as caught:
        asyncio.run(send())
    assert caught.value.flag is None


def test_a_server_that_is_down_fails_the_batch_fast_and_transiently() -> None:
    nobody_listens = free_port()
    errors: list[str] = []

    async def send_two() -> None:
        mail = EmailNotifier(host="127.0.0.1", port=nobody_listens, sender=SENDER, timeout=5.0)
        async with mail:
            for n in range(2):
                try:
                    await mail.send(message(key=f"o{n}:s:c1:email"))
                except TransientError as exc:
                    errors.append(exc.message)

    asyncio.run(send_two())
    assert len(errors) == 2
    assert all("127.0.0.1" in e for e in errors)


def test_a_connection_the_server_closed_is_reopened(smtp: SmtpServer) -> None:
    async def send_around_a_restart() -> None:
        async with notifier(smtp) as mail:
            await mail.send(message(key="o1:s:c1:email"))
            smtp.stop()
            smtp.start()
            await mail.send(message(key="o2:s:c1:email"))

    asyncio.run(send_around_a_restart())
    assert len(smtp.wait_for(2)) == 2
