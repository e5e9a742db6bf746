"""The workflow file, version 1: what a coordinator writes in ``workflows/*.yaml``.

Shape (README "Workflows" documents it for users)::

    version: 1
    name: scp                       # part of every obligation key (default: file name)
    plans: ["*"]                    # plan keys this workflow applies to (glob patterns)
    catch_up_days: 2                # see below
    reminders:                      # named reminder policies
      nhiem-vu:
        - name: nhac-14-ngay        # part of each notification key
          at: 14 ngày trước hạn     # phrases.py
          to: [agency.coordinator]  # agency.coordinator|agency.head|owner.coordinator|owner.head
          channels: [email, telegram]
          template: reminder        # templates/{vi,en}/reminder.*.j2
          stop_on: [done, waived]   # obligation statuses that cancel this stage
          letter: false             # escalations only: attach a công văn đôn đốc (.docx)
          any_time: false           # true: sent whenever due, outside [time] send_window
    rules:
      - name: chu-tri
        each: task lead             # task lead | task coordinator | report | plan drafting
        where: {plans: [...], sections: [...], agencies: [...]}
        except: {agencies: ["Các *"]}
        title: "{task}"
        reminders: nhiem-vu         # a policy name, or a list of stages written in place

``load_workflows`` reads every file of a folder and raises ``InputErrors`` listing every
problem with its file and line; ``check_workflows`` returns them instead (for
``nhacviec validate``). A new pending reminder whose instant is more than
``catch_up_days`` days in the past when sync first creates it is recorded as skipped
rather than sent, so loading an old plan does not flood anyone with stale reminders.
"""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import InputError, InputErrors, Problem
from engine.i18n import _
from engine.plans.model import MONTH_DAY
from engine.workflow.options import StageOptions
from engine.workflow.phrases import Offset, normalise, parse_offset
from engine.yamlpos import Positions, line_of, load_yaml, read_text, validate
from notifiers.registry import mail_channels, names

NAME = r"^[a-z0-9][a-z0-9_-]*$"
Role = Literal["agency.coordinator", "agency.head", "owner.coordinator", "owner.head"]
if TYPE_CHECKING:
    Channel = str
else:  # the registry's names, checked by pydantic as a Literal (its messages list them)
    Channel = Literal[names()]
StopStatus = Literal["acknowledged", "done", "waived"]
Each = Literal["task lead", "task coordinator", "report", "plan drafting"]
Frequency = Literal["half-yearly", "yearly", "quarterly", "monthly"]
Reporters = Literal["plan agencies", "duty", "duty or plan agencies"]

OBLIGATION_ROLE: dict[str, str] = {
    "task lead": "lead",
    "task coordinator": "coordinator",
    "report": "reporter",
    "plan drafting": "owner",
}
DEFAULT_TITLE: dict[str, str] = {
    "task lead": "{task}",
    "task coordinator": "{task}",
    "report": "Báo cáo {period}",
    "plan drafting": "Xây dựng Kế hoạch năm {year}",
}
PLACEHOLDERS = {
    "task lead": {"task", "task_number", "section", "period", "year", "plan", "plan_number"},
    "report": {"period", "year", "plan", "plan_number", "duty"},
    "plan drafting": {"period", "year", "plan", "plan_number"},
}
PLACEHOLDERS["task coordinator"] = PLACEHOLDERS["task lead"]
DEFAULT_REPORT_DUE: dict[str, str] = {
    "half-yearly": "06-15",
    "yearly": "12-15",
    "quarterly": "15",
    "monthly": "25",
}


def _every_channel() -> list[Channel]:
    return list(names())


def _until_done() -> list[StopStatus]:
    return ["done", "waived"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class StageSpec(_Model):
    """One reminder or escalation: when, to whom, how, and until what."""

    name: str = Field(pattern=NAME, max_length=60)
    at: str
    to: list[Role] = Field(min_length=1)
    channels: list[Channel] = Field(default_factory=_every_channel, min_length=1)
    template: str | None = Field(default=None, pattern=NAME, max_length=60)
    stop_on: list[StopStatus] = Field(default_factory=_until_done)
    ack_link: bool = True
    letter: bool = False
    any_time: bool = False

    @field_validator("at")
    @classmethod
    def _readable(cls, value: str) -> str:
        parse_offset(value)
        return value

    @property
    def offset(self) -> Offset:
        return parse_offset(self.at)

    @property
    def template_name(self) -> str:
        """The template named, else ``escalation`` after the due date, ``reminder`` before."""
        if self.template:
            return self.template
        return "escalation" if self.offset.escalation else "reminder"


class Selection(_Model):
    """Glob patterns (case-insensitive); an empty or absent list selects everything."""

    plans: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    agencies: list[str] = Field(default_factory=list)


class RuleSpec(_Model):
    """Which obligations to create, for whom, when due, and with which reminders."""

    name: str = Field(pattern=NAME, max_length=60)
    each: Each
    title: str | None = None
    description: str | None = None
    where: Selection = Field(default_factory=Selection)
    except_: Selection | None = Field(default=None, alias="except")
    reminders: str | list[StageSpec]
    due: str | None = None
    opens: str | None = None
    default_due: dict[Frequency, str] = Field(default_factory=dict)
    frequencies: list[Frequency] | None = None
    reporters: Reporters = "plan agencies"
    if_plan_states: bool = True

    @field_validator("due", "opens")
    @classmethod
    def _phrase_or_date(cls, value: str | None) -> str | None:
        if value is not None and not MONTH_DAY.match(value):
            parse_offset(value)
        return value


class WorkflowSpec(_Model):
    """A whole workflow file."""

    version: Literal[1]
    name: str | None = Field(default=None, pattern=NAME, max_length=60)
    title: str | None = None
    description: str | None = None
    plans: list[str] = Field(default_factory=lambda: ["*"])
    catch_up_days: int = Field(default=2, ge=0, le=366)
    reminders: dict[str, list[StageSpec]] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(min_length=1)


# ---------------------------------------------------------------------------------------
# Compiled form, what generation works with


@dataclass(frozen=True)
class Stage:
    name: str
    order: int
    offset: Offset
    to: tuple[str, ...]
    channels: tuple[str, ...]
    template: str
    stop_on: tuple[str, ...]
    at: str
    # ack_link, letter (escalations: attach a formal reminder letter to its emails),
    # any_time (sent whenever due, outside [time] send_window): what its rows carry
    options: StageOptions

    @property
    def ack_link(self) -> bool:
        return self.options.ack_link is not False

    @property
    def letter(self) -> bool:
        return self.options.letter

    @property
    def any_time(self) -> bool:
        return self.options.any_time


def after_ack(stage: Stage) -> bool:
    """A stage timed from the acknowledgement (sent only while acknowledged, not done)."""
    return stage.offset.anchor == "acknowledged"


@dataclass(frozen=True)
class Rule:
    """One rule with its reminder stages resolved and its settings filled in."""

    workflow: str
    name: str
    each: str
    title: str
    where: Selection
    except_: Selection | None
    stages: tuple[Stage, ...]
    coordinator_due: Offset | None  # task coordinator: relative to the lead's due date
    opens: Offset | None  # report / plan drafting: relative to its due date
    drafting_due: str  # plan drafting: "MM-DD" of the year before
    report_due: Mapping[str, str]  # report: frequency -> "MM-DD" or "DD"
    frequencies: frozenset[str]
    reporters: str
    if_plan_states: bool
    _agency_choices: dict[tuple[str, ...], bool] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def role(self) -> str:
        return OBLIGATION_ROLE[self.each]

    @property
    def times_from_ack(self) -> bool:
        """Whether a stage is timed from the acknowledgement (its reminders then depend
        on when the obligation was acknowledged)."""
        return any(after_ack(stage) for stage in self.stages)

    def selects_plan(self, key: str) -> bool:
        excluded = self.except_.plans if self.except_ else None
        return _selects(self.where.plans, excluded, [key])

    def selects_section(self, section: str | None) -> bool:
        excluded = self.except_.sections if self.except_ else None
        return _selects(self.where.sections, excluded, [section] if section else [])

    def selects_agency(self, names: Iterable[str]) -> bool:
        """Whether the rule applies to an agency known by these names (cached per agency)."""
        key = tuple(names)
        chosen = self._agency_choices.get(key)
        if chosen is None:
            excluded = self.except_.agencies if self.except_ else None
            chosen = self._agency_choices[key] = _selects(self.where.agencies, excluded, list(key))
        return chosen


@dataclass(frozen=True)
class Workflow:
    name: str
    file: str
    plans: tuple[str, ...]
    catch_up_days: int
    rules: tuple[Rule, ...]

    def applies_to(self, plan_key: str) -> bool:
        return _matches(self.plans, [plan_key])


def _matches(patterns: Iterable[str], values: list[str]) -> bool:
    wanted = _normalised(tuple(patterns))
    return any(fnmatch.fnmatchcase(normalise(v), p) for p in wanted for v in values)


@lru_cache(maxsize=256)
def _normalised(patterns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise(p) for p in patterns)


def _selects(include: list[str], exclude: list[str] | None, values: list[str]) -> bool:
    if include and not _matches(include, values):
        return False
    return not (exclude and _matches(exclude, values))


# ---------------------------------------------------------------------------------------
# Loading and checking


@dataclass(frozen=True)
class LoadedWorkflow:
    spec: WorkflowSpec
    workflow: Workflow
    file: str
    positions: Positions

    def line(self, *loc: Any) -> int | None:
        return line_of(self.positions, loc)


def workflow_files(folder: Path) -> list[Path]:
    """The workflow files of a folder, in name order."""
    if not folder.is_dir():
        raise InputError(_("workflow folder not found"), file=str(folder))
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def check_workflows(folder: Path) -> tuple[list[LoadedWorkflow], list[Problem]]:
    """Every workflow of ``folder`` that loads, and every problem found in any of them."""
    loaded: list[LoadedWorkflow] = []
    problems: list[Problem] = []
    try:
        files = workflow_files(folder)
    except InputError as exc:
        return [], [exc.problem]
    if not files:
        problems.append(Problem(str(folder), None, _("no workflow files (*.yaml) in this folder")))
    for path in files:
        try:
            loaded.append(load_workflow_file(path))
        except InputErrors as exc:
            problems.extend(exc.problems)
        except InputError as exc:
            problems.append(exc.problem)
    problems.extend(_duplicate_names(loaded))
    return loaded, problems


def load_workflows(folder: Path) -> list[Workflow]:
    """Every workflow of ``folder``; ``InputErrors`` with every problem if any."""
    loaded, problems = check_workflows(folder)
    if problems:
        raise InputErrors(problems)
    return [item.workflow for item in loaded]


def load_workflow_file(path: Path) -> LoadedWorkflow:
    file = str(path)
    data, positions = load_yaml(read_text(path), file)
    if not isinstance(data, dict):
        raise InputError(
            _("expected a workflow (a mapping with version, rules…)"), file=file, line=1
        )
    spec = validate(WorkflowSpec, data, positions, file)
    problems = _semantic_problems(spec, file, positions)
    if problems:
        raise InputErrors(problems)
    return LoadedWorkflow(spec, compile_workflow(spec, path.stem), file, positions)


def load_workflow_text(text: str, file: str = "<workflow>") -> Workflow:
    """A workflow from YAML text (tests, and one-off checks)."""
    data, positions = load_yaml(text, file)
    spec = validate(WorkflowSpec, data, positions, file)
    problems = _semantic_problems(spec, file, positions)
    if problems:
        raise InputErrors(problems)
    return compile_workflow(spec, Path(file).stem)


def _duplicate_names(loaded: list[LoadedWorkflow]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for item in loaded:
        name = item.workflow.name
        if name in seen:
            problems.append(
                Problem(
                    item.file,
                    item.line("name"),
                    _(
                        "workflow name '{name}' is also used by {value}; names must be "
                        "unique (they are part of obligation keys)"
                    ).format(name=name, value=seen[name]),
                )
            )
        seen.setdefault(name, item.file)
    return problems


def _semantic_problems(spec: WorkflowSpec, file: str, positions: Positions) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(file, line_of(positions, loc), message))

    for policy, stages in spec.reminders.items():
        _check_stages(stages, ("reminders", policy), add)
    seen: set[str] = set()
    for i, rule in enumerate(spec.rules):
        loc = ("rules", i)
        if rule.name in seen:
            add((*loc, "name"), f"rule name '{rule.name}' appears twice in this workflow")
        seen.add(rule.name)
        _check_rule(rule, loc, spec, add)
    return problems


def _check_stages(stages: list[StageSpec], loc: tuple[Any, ...], add: Any) -> None:
    names: set[str] = set()
    for j, stage in enumerate(stages):
        if stage.name in names:
            add((*loc, j, "name"), f"stage name '{stage.name}' appears twice in this policy")
        names.add(stage.name)
        if len(set(stage.to)) != len(stage.to) or len(set(stage.channels)) != len(stage.channels):
            add((*loc, j), "a role or channel is listed twice in this stage")
        if stage.letter and not stage.offset.escalation:
            add((*loc, j, "letter"), "a letter goes with an escalation: 'at' must be after the "
                f"due date (e.g. \"7 ngày sau hạn\"); got {stage.at!r}")  # fmt: skip
        elif stage.letter and not set(mail_channels()) & set(stage.channels):
            add((*loc, j, "letter"), "a letter is attached to emails: add email to 'channels'")
        if stage.offset.anchor == "acknowledged" and "acknowledged" in stage.stop_on:
            add((*loc, j, "stop_on"), "a stage timed from the acknowledgement cannot stop on "
                "'acknowledged' (it would never be sent); use [done, waived]")  # fmt: skip


def _check_rule(rule: RuleSpec, loc: tuple[Any, ...], spec: WorkflowSpec, add: Any) -> None:
    if isinstance(rule.reminders, str):
        if rule.reminders not in spec.reminders:
            known = ", ".join(sorted(spec.reminders)) or "none defined"
            add(
                (*loc, "reminders"),
                f"unknown reminder policy '{rule.reminders}'; "
                f"expected one of the names under 'reminders:' ({known})",
            )
    else:
        _check_stages(rule.reminders, (*loc, "reminders"), add)
    title = rule.title or DEFAULT_TITLE[rule.each]
    for name in _placeholders(title, (*loc, "title"), add):
        if name not in PLACEHOLDERS[rule.each]:
            allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS[rule.each]))
            add(
                (*loc, "title"),
                f"unknown placeholder {{{name}}} in the title; "
                f"a '{rule.each}' rule knows {allowed}",
            )
    if rule.each != "task lead" and rule.each != "task coordinator":
        for sel_key in ("where", "except"):
            selection = rule.where if sel_key == "where" else rule.except_
            if selection is not None and selection.sections:
                add(
                    (*loc, sel_key, "sections"),
                    f"'sections' selects tasks; a '{rule.each}' rule has no task",
                )
    _check_kind_fields(rule, loc, add)


def _placeholders(title: str, loc: tuple[Any, ...], add: Any) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(title))
    except ValueError as exc:
        add(loc, f"title {title!r}: {exc}; write literal braces as {{{{ and }}}}")
        return []
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            add(loc, f"title placeholder {{{name}}}: expected a plain name such as {{period}}")
            continue
        names.append(name)
    return names


def _check_kind_fields(rule: RuleSpec, loc: tuple[Any, ...], add: Any) -> None:
    each = rule.each
    allowed = {
        "task lead": set(),
        "task coordinator": {"due"},
        "report": {"opens", "default_due", "frequencies", "reporters"},
        "plan drafting": {"due", "opens", "if_plan_states"},
    }[each]
    for key in ("due", "opens", "default_due", "frequencies", "reporters", "if_plan_states"):
        if key in rule.model_fields_set and key not in allowed:
            add((*loc, key), f"'{key}' does not apply to a '{each}' rule")
    if each == "task coordinator" and rule.due is not None:
        _check_before_due(rule.due, (*loc, "due"), add, "the coordinator's due date")
    if each == "plan drafting" and rule.due is not None and not MONTH_DAY.match(rule.due):
        add(
            (*loc, "due"),
            f'expected a month-day as "MM-DD" (of the year before the plan '
            f'year), e.g. "10-31"; got {rule.due!r}',
        )
    if rule.opens is not None and "opens" in allowed:
        _check_before_due(rule.opens, (*loc, "opens"), add, "when it opens")
    for frequency, value in rule.default_due.items():
        _check_report_due(frequency, value, (*loc, "default_due", frequency), add)


def _check_before_due(value: str, loc: tuple[Any, ...], add: Any, what: str) -> None:
    if MONTH_DAY.match(value):
        add(loc, f'{what}: expected a phrase such as "5 working days before due"; got {value!r}')
        return
    offset = parse_offset(value)
    if offset.anchor != "due" or offset.days > 0:
        add(
            loc,
            f"{what}: expected a phrase before or on the due date, such as "
            f'"5 ngày làm việc trước hạn"; got {value!r}',
        )


def _check_report_due(frequency: str, value: str, loc: tuple[Any, ...], add: Any) -> None:
    if frequency in ("half-yearly", "yearly"):
        if not MONTH_DAY.match(value):
            add(loc, f'expected a month-day as "MM-DD", e.g. "06-15"; got {value!r}')
    elif not (value.isdigit() and 1 <= int(value) <= 31):
        add(loc, f'expected the day of the period\'s last month (1-31), e.g. "15"; got {value!r}')


def compile_workflow(spec: WorkflowSpec, default_name: str) -> Workflow:
    """The checked spec in the form generation uses (policies resolved, defaults filled)."""
    name = spec.name or default_name
    rules = tuple(_compile_rule(name, rule, spec) for rule in spec.rules)
    return Workflow(name, default_name, tuple(spec.plans), spec.catch_up_days, rules)


def _compile_rule(workflow: str, rule: RuleSpec, spec: WorkflowSpec) -> Rule:
    reminders = rule.reminders
    stage_specs = spec.reminders[reminders] if isinstance(reminders, str) else reminders
    stages = tuple(compile_stage(i, s) for i, s in enumerate(stage_specs))
    due_phrase = rule.due if rule.each == "task coordinator" else None
    opens_phrase = rule.opens if rule.each in ("report", "plan drafting") else None
    return Rule(
        workflow=workflow,
        name=rule.name,
        each=rule.each,
        title=rule.title or DEFAULT_TITLE[rule.each],
        where=rule.where,
        except_=rule.except_,
        stages=stages,
        coordinator_due=parse_offset(due_phrase or "5 working days before due"),
        opens=parse_offset(opens_phrase) if opens_phrase else None,
        drafting_due=rule.due if rule.each == "plan drafting" and rule.due else "10-31",
        report_due={**DEFAULT_REPORT_DUE, **{str(k): v for k, v in rule.default_due.items()}},
        frequencies=frozenset(rule.frequencies or DEFAULT_REPORT_DUE),
        reporters=rule.reporters,
        if_plan_states=rule.if_plan_states,
    )


def compile_stage(order: int, stage: StageSpec) -> Stage:
    """The stage as generation, sync and ``validate`` use it (defaults filled in)."""
    stop_on: tuple[str, ...] = tuple(stage.stop_on)
    if stage.offset.anchor == "acknowledged" and "open" not in stop_on:
        stop_on = ("open", *stop_on)  # reopened: its acknowledgement no longer stands
    return Stage(
        name=stage.name,
        order=order,
        offset=stage.offset,
        to=tuple(stage.to),
        channels=tuple(stage.channels),
        template=stage.template_name,
        stop_on=stop_on,
        at=stage.at,
        options=_options(stage.ack_link, stage.letter, stage.any_time),
    )


@cache
def _options(ack_link: bool, letter: bool, any_time: bool) -> StageOptions:
    """One options object per distinct value: generation and sync hand them on as is."""
    return StageOptions(ack_link, letter, any_time)


def templates_named(spec: WorkflowSpec) -> dict[str, set[str]]:
    """Each template a workflow names, with the channels it is used on."""
    used: dict[str, set[str]] = {}
    stage_lists = list(spec.reminders.values()) + [
        r.reminders for r in spec.rules if not isinstance(r.reminders, str)
    ]
    for stages in stage_lists:
        for stage in stages:
            used.setdefault(stage.template_name, set()).update(stage.channels)
    return used
