"""A channel that answers from a script, for the delivery paths a real server rarely takes."""

from __future__ import annotations

from typing import ClassVar

from notifiers.base import DeliveryError, Message, Notifier, Receipt


class Scripted(Notifier):
    """A channel that answers from a script: an error to raise, or None to accept.

    What it accepted is in ``sent``; once the script is over it accepts everything.
    """

    channel: ClassVar[str] = "telegram"

    def __init__(self, *answers: DeliveryError | None) -> None:
        self.answers = list(answers)
        self.sent: list[Message] = []

    async def send(self, message: Message) -> Receipt:
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        self.sent.append(message)
        return Receipt(self.channel, {"chat_id": int(message.to)})
