"""The database schema.

Instants are ``UTCDateTime`` (stored naive UTC, returned aware); calendar dates are
``Date``. Status changes and delivery attempts are rows of their own (``AuditEvent``,
``DeliveryAttempt``), never overwritten: the current status on ``Obligation`` is a cache
of the last transition, the history is the truth.
"""

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from engine.store.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType(),
    }


class Agency(Base):
    """An agency (Sở, Bộ, UBND…); ``in_directory`` is False for names seen only in plans."""

    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    jurisdiction: Mapped[str | None] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    in_directory: Mapped[bool] = mapped_column(Boolean, default=True)

    contacts: Mapped[list["Contact"]] = relationship(back_populates="agency")


class Contact(Base):
    """A person or mailbox of an agency, with a role (coordinator, head) and addresses.

    Its addresses are rows (``ContactAddress``), one per channel it can be reached on;
    ``addresses`` and ``flags`` read them as ``{channel: text}``, ``set_address`` writes one.
    They load with the contact (one more query for all contacts of a select).
    """

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    invite_code_hash: Mapped[str | None] = mapped_column(String(128))
    invite_expires_at: Mapped[datetime | None]

    agency: Mapped["Agency"] = relationship(back_populates="contacts")
    address_rows: Mapped[list["ContactAddress"]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ContactAddress.id",
    )

    @property
    def addresses(self) -> dict[str, str]:
        """``{channel: address}`` for every channel the contact has an address on."""
        return {row.channel: row.address for row in self.address_rows}

    @property
    def flags(self) -> dict[str, str]:
        """``{channel: problem}`` for the addresses delivery found broken."""
        return {row.channel: row.flag for row in self.address_rows if row.flag is not None}

    def address_row(self, channel: str) -> "ContactAddress | None":
        return next((row for row in self.address_rows if row.channel == channel), None)

    def set_address(self, channel: str, address: str | None) -> bool:
        """Give the contact ``address`` on ``channel`` (None: take it away); return
        whether anything changed. A new address starts without a flag."""
        row = self.address_row(channel)
        if address is None:
            if row is None:
                return False
            self.address_rows.remove(row)
            return True
        if row is None:
            self.address_rows.append(ContactAddress(channel=channel, address=address))
            return True
        if row.address == address:
            return False
        row.address, row.flag = address, None
        return True


class ContactAddress(Base):
    """A contact's address on one channel (``notifiers.registry``): an email address, a
    Telegram chat id written as text…; ``flag`` is the problem delivery found on it
    (``nhacviec status`` shows it), ``linked_at`` when a chat linked itself with a
    one-time code (``engine.bot.links.redeem``)."""

    __tablename__ = "contact_addresses"
    __table_args__ = (
        UniqueConstraint("contact_id", "channel"),
        Index("ix_contact_addresses_channel_address", "channel", "address"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    channel: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(1000))
    flag: Mapped[str | None] = mapped_column(Text)
    linked_at: Mapped[datetime | None]

    contact: Mapped["Contact"] = relationship(back_populates="address_rows")


class Plan(Base):
    """A loaded plan file; ``data`` is the whole validated plan file as JSON.

    ``track_from`` is the plan's tracking start (``engine.tracking``): obligations due
    before it are not tracked. None (plans loaded before revision 0002) tracks everything.
    """

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    number: Mapped[str | None] = mapped_column(String(120))
    issuer: Mapped[str | None] = mapped_column(String(400))
    issued_on: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    source: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType())
    loaded_at: Mapped[datetime]
    track_from: Mapped[date | None] = mapped_column(Date)

    tasks: Mapped[list["Task"]] = relationship(back_populates="plan", order_by="Task.position")
    owner: Mapped["Agency | None"] = relationship()


class Task(Base):
    """One row of a plan's appendix; kept (``active`` False) when a reload drops it."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    window_text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType())
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    plan: Mapped["Plan"] = relationship(back_populates="tasks")


class TaskAgency(Base):
    """A task's lead (``role`` = lead) and coordinating agencies, in printed order."""

    __tablename__ = "task_agencies"
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Obligation(Base):
    """What one agency owes for one task or duty in one period.

    ``key`` is stable across syncs (rule, plan, task or duty, agency, period label), so a
    re-sync updates in place. ``due_on`` is the current last allowed day (moved by an
    approved extension); ``original_due_on`` never moves, so statistics stay honest.
    ``cancelled_at`` is set when the obligation no longer follows from plans and workflows.
    ``tracked`` is False for an obligation due before its plan's tracking start ("chưa
    theo dõi", ``engine.tracking``): no reminders, never overdue, left out of digests,
    letters, scorecards and reports; its status still says what was done about it.
    """

    __tablename__ = "obligations"
    __table_args__ = (
        Index("ix_obligations_agency_due", "agency_id", "due_on"),
        Index("ix_obligations_status_due", "status", "due_on"),
        Index("ix_obligations_due_on", "due_on"),  # the agenda and calendar, by due date
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    workflow: Mapped[str] = mapped_column(String(120))
    rule: Mapped[str] = mapped_column(String(120))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    duty: Mapped[str | None] = mapped_column(String(120))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    role: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    period_label: Mapped[str] = mapped_column(String(120))
    opens_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    original_due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    acknowledged_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_late: Mapped[bool | None] = mapped_column(Boolean)
    cancelled_at: Mapped[datetime | None]
    tracked: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    spec_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    agency: Mapped["Agency"] = relationship()
    plan: Mapped["Plan"] = relationship()
    task: Mapped["Task | None"] = relationship()


class Notification(Base):
    """One row of the outbox: a message to one contact on one channel at one instant.

    ``key`` is unique ("o{obligation}:{stage}:c{contact}:{channel}" for reminders,
    "digest:{iso week}:{scope}:c{contact}:{channel}" for the weekly digests, scope
    ``agency`` or ``owner``) and the Message-ID derives from it. ``due_at`` is when the
    row may next be tried (``scheduled_at`` pushed forward by backoff);
    ``lease_owner``/``lease_until`` say who is sending it. ``stop_on`` lists the
    obligation statuses that cancel this row.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("obligation_id", "stage", "contact_id", "channel"),
        Index("ix_notifications_state_due", "state", "due_at"),
        Index("ix_notifications_obligation_contact", "obligation_id", "contact_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"))
    stage: Mapped[str] = mapped_column(String(80))
    stage_order: Mapped[int] = mapped_column(Integer, default=0)
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(120))
    stop_on: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    scheduled_at: Mapped[datetime]
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSONType())
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    obligation: Mapped["Obligation | None"] = relationship()
    contact: Mapped["Contact"] = relationship()


class DeliveryAttempt(Base):
    """One try at sending one notification, whatever came of it."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    at: Mapped[datetime]
    worker: Mapped[str] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(20))  # sent | retry | failed
    error: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """A status change or other fact about an obligation: who, when, through what, why."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_obligation_at", "obligation_id", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"))
    at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType())


class ExtensionRequest(Base):
    """An agency's request for a new due date (xin gia hạn) and its decision."""

    __tablename__ = "extension_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_via: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime]
    new_due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)


class Snooze(Base):
    """Reminders of one obligation paused for one contact until an instant."""

    __tablename__ = "snoozes"
    __table_args__ = (UniqueConstraint("obligation_id", "contact_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    until: Mapped[datetime]
    created_at: Mapped[datetime]


class Letter(Base):
    """A formal reminder letter (công văn đôn đốc) generated as .docx.

    ``key`` names the escalation a letter answers ("esc:{agency}:{plan}:{day}": one letter
    per agency, plan and escalation day, whatever the number of rows that attach it);
    None for a letter made by hand. ``items`` lists the obligations it chases.
    """

    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    created_at: Mapped[datetime]
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    items: Mapped[list[int] | None] = mapped_column(JSONType())


class WorkerLock(Base):
    """A named lease: one SQLite worker at a time, one scheduler job at a time."""

    __tablename__ = "worker_locks"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SigninRequest(Base):
    """A request for a sign-in link at ``/dang-nhap`` (``engine.workspace.auth``).

    Every request is a row, for an unknown address too (``contact_id`` None, no link):
    the rows are what limits requests per address and per client. ``nonce_hash`` is the
    SHA-256 of the secret half of the link; ``used_at`` makes the link single-use.
    """

    __tablename__ = "signin_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    nonce_hash: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]


# Requests per address and per client over the last hour (the columns themselves: the
# index's "email" is the typed address's column, not a channel).
Index("ix_signin_requests_email_at", SigninRequest.email, SigninRequest.at)
Index("ix_signin_requests_client_at", SigninRequest.client, SigninRequest.at)


class WebSession(Base):
    """A signed-in browser: the cookie holds the token, the row only its SHA-256."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ImportDraft(Base):
    """A plan document imported in the browser, being corrected before it is loaded.

    ``plan`` is the plan file as JSON (``engine.plans.load.plan_data``), edited in place
    by the import page; ``plan_id`` is set once it is loaded.
    """

    __tablename__ = "import_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime]
    filename: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(20))
    plan: Mapped[dict[str, Any]] = mapped_column(JSONType)
    unmatched: Mapped[list[str]] = mapped_column(JSONType, default=list)
    loaded_at: Mapped[datetime | None]
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
