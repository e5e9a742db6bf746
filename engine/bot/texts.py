"""Commands sent as plain text, for a linked channel whose inbound messages are texts.

A Zalo follower has no slash commands and no callback queries: what they type, and the
payload of a button they press (``oa.query.hide``: the button's data, ``ack:12``, comes
back as their text), reaches the OA webhook as a text. ``text_commands`` is that
webhook's ``on_text``: it hands

- ``#ack N [note]`` / ``/ack N`` and ``#done N [note]`` / ``/done N`` to
  ``BotService.command``;
- ``#extend N DD/MM/YYYY reason`` (also ``/extend``, ``#giahan``: Telegram's ``/extend``)
  to ``BotService.extend_command``: the extension request, sent to the plan owner;
- ``#refuse GH7 reason`` (also ``/refuse``, ``#tuchoi``) to ``BotService.refuse_command``:
  the plan owner refuses extension request 7;
- a button's payload (``ack:N``, ``done?:N``, ``done!:N``, ``cancel:N``, ``info:N``,
  ``snooze:N:1d``, ``extend?:N``; under a request sent to the plan owner
  ``extapprove:R``, ``extrefuse:R``, ``extinfo:R``) to ``BotService.press``. "Xin gia
  hạn" (``extend?:N``) and "Từ chối" (``extrefuse:R``) cannot ask their question by
  reply as on Telegram (a follower's reply comes back as a bare text): they answer with
  the command to type, ``#extend N DD/MM/YYYY lý do`` or ``#refuse GHR lý do``;
- anything else to ``links.link_by_text`` (a message holding an invitation code links
  the sender; other texts get no answer).

So a follower's command goes through the bot's one authorisation path (``_authorized``:
a linked contact of the obligation's agency or of its plan's owner), is recorded with the
follower's channel, and a refusal is answered and recorded against the obligation as
Telegram's are. The answer is the reply's text as plain text (Zalo shows no HTML) with
the reply's buttons: "Đã hoàn thành" (``done?:N``) is answered "Xác nhận đã hoàn
thành?" with the buttons ``done!:N`` and ``cancel:N``, as on Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from engine.bot import links
from engine.bot.replies import plain
from engine.bot.service import BotService, Reply, Sender, utcnow
from engine.status import Action
from notifiers.base import Answer

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.store.db import Store

TEXT_LIMIT = 2000  # Zalo's longest text; the notifier splits longer ones anyway
COMMANDS: dict[str, Action] = {"#ack": "ack", "/ack": "ack", "#done": "done", "/done": "done"}
EXTEND = ("#extend", "/extend", "#giahan")  # Telegram's /extend N DATE REASON
REFUSE = ("#refuse", "/refuse", "#tuchoi")  # Telegram's reply to "Lý do từ chối GH7"
_PAYLOAD = re.compile(
    r"(ack|done\?|done!|cancel|info|extend\?|extapprove|extrefuse|extinfo):\d+|snooze:\d+:\w+"
)


def text_commands(
    settings: Settings,
    store: Store,
    channel: str,
    now: Callable[[], datetime] = utcnow,
) -> Callable[[str, str], str | Answer | None]:
    """The ``on_text(address, text)`` of ``channel``'s webhook (see the module docstring):
    the answer to send back to ``address``, or None for a text that asks nothing."""
    service = BotService(settings, store, now, channel=channel, answers_by_reply=False)
    link = links.link_by_text(store.session, channel, now)

    def on_text(address: str, text: str) -> str | Answer | None:
        words = text.split()
        sender = Sender(address)
        if words and words[0].lower() in COMMANDS:
            return _text(service.command(sender, COMMANDS[words[0].lower()], words[1:]))
        if words and words[0].lower() in EXTEND:
            return _text(service.extend_command(sender, words[1:]))
        if words and words[0].lower() in REFUSE:
            return _text(service.refuse_command(sender, words[1:]))
        payload = text.strip()
        if _PAYLOAD.fullmatch(payload):
            return _text(service.press(sender, payload))
        return link(address, text)

    return on_text


def _text(reply: Reply) -> Answer | None:
    """The reply as the follower sees it: plain text, with the reply's buttons ("Xác
    nhận đã hoàn thành?" asks with ``done!:N`` and ``cancel:N``)."""
    shown = reply.text or reply.toast
    return Answer(plain(shown, TEXT_LIMIT), reply.buttons) if shown else None
