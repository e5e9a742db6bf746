"""The kind registry: ``Notification.kind`` → the class that renders its rows."""

from __future__ import annotations

from collections.abc import Callable

from engine.messages.digest import DigestMessages
from engine.messages.extension import ExtensionMessages
from engine.messages.obligation import ObligationMessages
from engine.messages.types import KindRenderer, RenderEnv

KINDS: dict[str, Callable[[RenderEnv], KindRenderer]] = {
    "obligation": ObligationMessages,
    "snooze": ObligationMessages,  # engine.extensions: the reminder a snooze brings back
    "extension": ExtensionMessages,  # engine.extensions: requests and decisions
    "digest": DigestMessages,
}
"""``Notification.kind`` → its renderer."""
