"""The agency directory (``config/agencies.yaml``): agencies, their aliases and contacts.

File shape (version 1)::

    version: 1
    agencies:
      - key: hn.so-cong-thuong            # stable id, [a-z0-9.-]
        name: Sở Công Thương               # canonical name, as plans print it
        jurisdiction: Hà Nội               # the province/ministry it belongs to
        aliases: [SCT, Sở Công thương Hà Nội]
        contacts:
          - role: coordinator              # coordinator | head | other
            name: Phòng Kế hoạch - SCT
            email: sct.coordinator@example.org
            telegram_chat_id: null
            language: vi                   # vi | en

Contact keys default to ``{agency key}.{role}`` (``.2``, ``.3``… for a second contact of
the same role).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.yamlpos import load_yaml, read_text, validate

KEY_PATTERN = r"^[a-z0-9][a-z0-9.\-_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactEntry(_Model):
    key: str | None = Field(default=None, pattern=KEY_PATTERN)
    role: Literal["coordinator", "head", "other"] = "coordinator"
    name: str
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    telegram_chat_id: int | None = None
    language: Literal["vi", "en"] = "vi"


class AgencyEntry(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    name: str
    jurisdiction: str | None = None
    aliases: list[str] = Field(default_factory=list)
    contacts: list[ContactEntry] = Field(default_factory=list)

    def contact_keys(self) -> list[str]:
        """Each contact's key: explicit, or ``{agency}.{role}`` numbered from the second."""
        counts: dict[str, int] = {}
        keys = []
        for contact in self.contacts:
            counts[contact.role] = counts.get(contact.role, 0) + 1
            n = counts[contact.role]
            keys.append(contact.key or f"{self.key}.{contact.role}" + (f".{n}" if n > 1 else ""))
        return keys


class Directory(_Model):
    version: Literal[1] = 1
    agencies: list[AgencyEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_keys(self) -> Directory:
        seen: set[str] = set()
        for agency in self.agencies:
            if agency.key in seen:
                raise ValueError(f"agency key '{agency.key}' appears twice")
            seen.add(agency.key)
        return self


def load_directory(path: Path) -> Directory:
    """Read and validate the directory; errors name the file and the line."""
    text = read_text(path)
    data, positions = load_yaml(text, str(path))
    return validate(Directory, data if data is not None else {}, positions, str(path))
