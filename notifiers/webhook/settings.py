"""The ``[webhook]`` section of the settings file (``engine.config.Settings.webhook``).

Like every secret of nhacviec, the shared signing secret is not written in the file:
``secret_env`` names the environment variable that holds it. This module imports only
pydantic, so that reading the settings loads nothing of the channel.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_SECRET_ENV = "NHACVIEC_WEBHOOK_SECRET"
MIN_SECRET = 16  # characters: a shorter HMAC key is guessable


class WebhookSettings(BaseModel):
    """``secret_env``: the variable holding the secret every delivery is signed with (one
    for all contacts); ``timeout``: seconds for connecting to and hearing back from a
    receiver; ``max_in_flight``: deliveries on the wire at once."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    secret_env: str = DEFAULT_SECRET_ENV
    timeout: Annotated[float, Field(gt=0, le=300)] = 10.0
    max_in_flight: Annotated[int, Field(ge=1, le=64)] = 8
