"""Every web page carries the security headers, served by the real application on a real
HTTP server (uvicorn on loopback, as ``nhacviec run`` serves them), and a signed link that
names a number too large to be an id is refused politely (issue 14)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

import pytest

from engine.acklinks import AckLinks
from engine.webheaders import CONTENT_SECURITY_POLICY
from tests.adoption import test_web_done
from tests.adoption.test_web_done import Live

live = test_web_done.live  # the fixture: the pages on a real server

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def fetch(url: str, form: dict[str, str] | None = None) -> tuple[int, Message, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if form is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def token(live: Live, obligation: int, contact: int) -> str:
    links = AckLinks.from_settings(live.settings)
    assert links is not None
    return links.token(obligation, contact, now=live.clock.now)


def assert_secured(headers: Message) -> None:
    policy = headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'none'"]
    assert "script-src" not in directives  # no script may run at all (default-src 'none')
    for name, value in EXPECTED.items():
        assert headers[name] == value, name


@pytest.mark.parametrize("page", ["ack", "done", "o", "approve", "extend"])
def test_every_page_sends_the_security_headers(live: Live, page: str) -> None:
    url = f"{live.base}/{page}/{token(live, live.obligation, live.agency_contact)}"
    code, headers, body = fetch(url)
    assert code == 200
    assert "<form" in body
    assert_secured(headers)


def test_answers_to_a_post_a_refusal_and_an_unknown_path_send_them_too(live: Live) -> None:
    good = token(live, live.obligation, live.agency_contact)
    answers = [
        fetch(f"{live.base}/ack/{good}", form={}),  # acknowledges
        fetch(f"{live.base}/extend/{good}", form={"due_on": "", "reason": ""}),  # shown again
        fetch(f"{live.base}/ack/not-a-token"),
        fetch(f"{live.base}/nowhere"),
        fetch(f"{live.base}/healthz"),
    ]
    assert [code for code, _, _ in answers] == [200, 400, 400, 404, 200]
    assert live.status() == "acknowledged"
    for _, headers, _ in answers:
        assert_secured(headers)


@pytest.mark.parametrize("number", [10**26, 2**31])
def test_a_signed_link_naming_a_huge_number_is_refused_not_a_server_error(
    live: Live, number: int
) -> None:
    for url in (
        f"{live.base}/ack/{token(live, number, live.agency_contact)}",
        f"{live.base}/extend/{token(live, live.obligation, number)}",
    ):
        code, headers, body = fetch(url)
        assert code == 400
        assert "Traceback" not in body and "<html" in body
        assert_secured(headers)
        code, _, _ = fetch(url, form={})
        assert code == 400
    assert live.status() == "open" and live.events() == []
