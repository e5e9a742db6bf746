"""``nhacviec validate``: every problem in the settings, workflows, templates, directory, plans.

Problems stop the product from working as written (a phrase it cannot read, a template
that is missing or does not compile, a directory that does not validate): each has a
file, a line where one is known, and what was expected. Warnings are legal but probably
not what the user wants (an agency that owes something but has no contact to remind).
Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.agencies import Directory, load_directory
from engine.config import PathsSettings, Settings, find_config, load_settings
from engine.errors import InputError, InputErrors, Problem
from engine.i18n import N_, _
from engine.plans.model import PlanFile
from engine.workflow.schema import (
    LoadedWorkflow,
    Stage,
    StageSpec,
    check_workflows,
    compile_stage,
    workflow_files,
)
from engine.yamlpos import Positions, line_of, load_toml, load_yaml, read_text, validate
from notifiers.registry import CHANNELS

LANGUAGES = ("vi", "en")


@dataclass
class Validation:
    """Everything ``validate`` found, and what it checked."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        """The documented JSON of ``nhacviec validate --json``."""

        def one(p: Problem) -> dict[str, object]:
            return {"file": p.file, "line": p.line, "message": p.message}

        return {
            "ok": self.ok,
            "problems": [one(p) for p in self.problems],
            "warnings": [one(p) for p in self.warnings],
            "counts": dict(self.counts),
        }

    def summary(self) -> str:
        c = self.counts

        def count(key: str, one: str, many: str) -> str:
            n = c.get(key, 0)
            return _(one if n == 1 else many).format(n=n)

        parts = [
            count("workflows", N_("{n} workflow"), N_("{n} workflows")),
            count("rules", N_("{n} rule"), N_("{n} rules")),
            count("templates", N_("{n} template file"), N_("{n} template files")),
            count("agencies", N_("{n} agency"), N_("{n} agencies")),
            count("contacts", N_("{n} contact"), N_("{n} contacts")),
            count("plans", N_("{n} plan"), N_("{n} plans")),
        ]
        text = ", ".join(parts)
        if "obligations" in c:
            text += "; " + _("the plans give {obligations}").format(
                obligations=count("obligations", N_("{n} obligation"), N_("{n} obligations"))
            )
        return text


def validate_everything(config: Path | None = None, db_url: str | None = None) -> Validation:
    """Check all inputs; collect every problem rather than stopping at the first."""
    result = Validation()
    settings = _settings(config, db_url, result)
    _check_calendar(settings, result)
    loaded, problems = check_workflows(settings.paths.workflows)
    result.problems.extend(problems)
    result.counts["workflows"] = len(loaded)
    result.counts["rules"] = sum(len(w.workflow.rules) for w in loaded)
    _check_templates(settings.paths.workflows, settings.paths.templates, result)
    _check_letter_template(settings, result)
    directory = _directory(settings.paths.agencies, result)
    plans = _plans(settings.paths.plans, result)
    if directory is not None:
        _dry_run(plans, loaded, directory, settings, result)
    return result


def _settings(config: Path | None, db_url: str | None, result: Validation) -> Settings:
    try:
        return load_settings(config, db_url)
    except InputErrors as exc:
        result.problems.extend(exc.problems)
    except InputError as exc:
        result.problems.append(exc.problem)
    # Go on with the folders the file names (or the defaults), to find more problems.
    path = find_config(config)
    base = path.parent if path is not None else Path()
    paths = _paths_section(path) or PathsSettings()
    resolved = {k: v if v.is_absolute() else base / v for k, v in paths.model_dump().items()}
    return Settings(paths=PathsSettings(**resolved))


def _paths_section(path: Path | None) -> PathsSettings | None:
    """The ``[paths]`` of a settings file that is wrong elsewhere, if that part is right."""
    if path is None or not path.is_file():
        return None
    try:
        data, _positions = load_toml(read_text(path), str(path))
        return PathsSettings.model_validate(data.get("paths", {}))
    except (InputError, ValueError):
        return None


def _check_calendar(settings: Settings, result: Validation) -> None:
    from engine.workflow.calendar import WorkCalendar

    try:
        WorkCalendar.from_settings(settings)
    except InputError as exc:
        file = str(settings.source) if settings.source else None
        result.problems.append(Problem(file, None, exc.problem.message))


# -- templates --------------------------------------------------------------------------


@dataclass(frozen=True)
class _StageUse:
    file: str
    line: int | None
    stage: Stage


def _stage_uses(folder: Path) -> Iterator[_StageUse]:
    """Every valid stage of every workflow file that parses as YAML, compiled as
    generation uses it (its template and channels with their defaults filled in).

    Each stage is compiled on its own, so that templates are checked even in a file
    whose schema has other problems (``validate`` reports every problem at once); a
    stage that is itself invalid is reported by ``check_workflows``.
    """
    try:
        files = workflow_files(folder)
    except InputError:
        return
    for path in files:
        try:
            data, positions = load_yaml(read_text(path), str(path))
        except (InputError, InputErrors):
            continue  # reported by check_workflows
        for loc, raw in _raw_stages(data):
            use = _stage_use(str(path), positions, loc, raw)
            if use is not None:
                yield use


def _raw_stages(data: Any) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    if not isinstance(data, dict):
        return
    policies = data.get("reminders")
    lists: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(policies, dict):
        lists.extend((("reminders", name), stages) for name, stages in policies.items())
    rules = data.get("rules")
    if isinstance(rules, list):
        lists.extend(
            (("rules", r, "reminders"), rule.get("reminders"))
            for r, rule in enumerate(rules)
            if isinstance(rule, dict)
        )
    for loc, stages in lists:
        if isinstance(stages, list):
            for i, raw in enumerate(stages):
                if isinstance(raw, dict):
                    yield (*loc, i), raw


def _stage_use(
    file: str, positions: Positions, loc: tuple[Any, ...], raw: dict[str, Any]
) -> _StageUse | None:
    try:
        stage = compile_stage(loc[-1], StageSpec.model_validate(raw))
    except ValidationError:
        return None  # reported by check_workflows
    line = line_of(positions, (*loc, "template") if "template" in raw else loc)
    return _StageUse(file, line, stage)


def _check_templates(workflows: Path, folder: Path, result: Validation) -> None:
    """Each stage's template exists for each of its channels in both languages, and compiles."""
    env = template_environment(folder)
    checked: dict[Path, bool] = {}
    for use in _stage_uses(workflows):
        stage = use.stage
        for channel in stage.channels:
            for path in _template_files(folder, stage.template, channel):
                if path not in checked:
                    checked[path] = _compiles(env, folder, path, result)
                if not path.is_file():
                    result.problems.append(Problem(
                        use.file, use.line, _(
"stage '{stage}' sends {channel} with template '{template}', but "
"{path} does not exist"
).format(stage=stage.name, channel=channel, template=stage.template, path=path),
                    ))  # fmt: skip
    result.counts["templates"] = sum(1 for path in checked if path.is_file())


def _check_letter_template(settings: Settings, result: Validation) -> None:
    """A stage with ``letter: true`` needs the letter template ([letters] template)."""
    path = settings.paths.templates / settings.letters.template
    if path.is_file():
        return
    for use in _stage_uses(settings.paths.workflows):
        if use.stage.letter:
            result.problems.append(Problem(
                use.file, use.line, _(
"stage '{stage}' attaches a letter, but the letter template {path} "
"does not exist ([letters] template)"
).format(stage=use.stage.name, path=path),
            ))  # fmt: skip
            return


def _template_files(folder: Path, name: str, channel: str) -> Iterator[Path]:
    for language in LANGUAGES:
        for part in CHANNELS[channel].template_parts:
            yield folder / language / f"{name}.{part}.j2"


def template_environment(folder: Path) -> Any:
    """A Jinja2 environment like the one delivery renders with (same filters)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2", "telegram.j2"), default=False
        ),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["vndate"] = lambda value: "" if value is None else value.strftime("%d/%m/%Y")
    return env


def _compiles(env: Any, folder: Path, path: Path, result: Validation) -> bool:
    import jinja2

    if not path.is_file():
        return False
    try:
        source = read_text(path)
        env.compile(source, name=path.relative_to(folder).as_posix(), filename=str(path))
    except InputError as exc:
        result.problems.append(exc.problem)
        return False
    except jinja2.TemplateSyntaxError as exc:
        result.problems.append(
            Problem(str(path), exc.lineno, _("template: {message}").format(message=exc.message))
        )
        return False
    return True


# -- directory and plans ----------------------------------------------------------------


def _directory(path: Path, result: Validation) -> Directory | None:
    try:
        directory = load_directory(path)
    except InputErrors as exc:
        result.problems.extend(exc.problems)
        return None
    except InputError as exc:
        result.problems.append(exc.problem)
        return None
    result.counts["agencies"] = len(directory.agencies)
    result.counts["contacts"] = sum(len(a.contacts) for a in directory.agencies)
    seen: dict[str, str] = {}
    for agency in directory.agencies:
        for key in agency.contact_keys():
            if key in seen:
                result.problems.append(Problem(
                    str(path), None, _(
"contact key '{key}' is used by {value} and {key2}; contact keys "
"must be unique"
).format(key=key, value=seen[key], key2=agency.key),
                ))  # fmt: skip
            seen.setdefault(key, agency.key)
    return directory


def _plans(folder: Path, result: Validation) -> list[PlanFile]:
    if not folder.is_dir():
        result.warnings.append(
            Problem(str(folder), None, _("plan folder not found: no plan checked"))
        )
        return []
    plans = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data, positions = load_yaml(read_text(path), str(path))
            plans.append(validate(PlanFile, data, positions, str(path)))
        except InputErrors as exc:
            result.problems.extend(exc.problems)
        except InputError as exc:
            result.problems.append(exc.problem)
    result.counts["plans"] = len(plans)
    return plans


def _dry_run(
    plans: list[PlanFile],
    loaded: list[LoadedWorkflow],
    directory: Directory,
    settings: Settings,
    result: Validation,
) -> None:
    """Generate from the plan files, to warn about agencies nobody can remind."""
    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.generate import AgencyBook, generate
    from engine.workflow.sync import directory_matcher

    if not plans or not loaded:
        return
    try:
        calendar = WorkCalendar.from_settings(settings)
    except InputError:
        return  # already reported
    book = AgencyBook.from_directory(directory, directory_matcher(directory))
    generation = generate(plans, [w.workflow for w in loaded], book, calendar)
    result.counts["obligations"] = len(generation.obligations)
    file = str(settings.paths.agencies)
    result.warnings.extend(Problem(file, None, text) for text in generation.warnings)
