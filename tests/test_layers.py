"""The layers around messages: rendering (``engine.messages``) reads nothing of the store.

The imports of every module of ``engine/`` and ``notifiers/`` are read from its source
(``ast``: module-level, ``if TYPE_CHECKING:`` and function-level imports alike, since each
of them ties the two modules together). Importing ``a.b.c`` also runs ``a`` and ``a.b``,
so it depends on those packages too (except on the importer's own packages). Then:

- no strongly connected component of that graph holds a module of ``engine.messages``
  (rendering is below the outbox, the letters, delivery and the digests, never beside
  them), nor any of the modules around it (``LAYERED``: messages, the outbox, the
  letters, delivery, the digests, and ``engine.sources``, which loads, makes the letters
  and the buttons and hands them in);
- ``engine.messages`` imports nothing of the store, the outbox, the letters or the bot,
  directly or through another module: the store side loads, makes the letters and the
  buttons, and hands them in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("engine", "notifiers")
FORBIDDEN = ("engine.store", "engine.outbox", "engine.letters", "engine.bot", "sqlalchemy")
LAYERED = (
    "engine.messages",
    "engine.outbox",
    "engine.letters",
    "engine.delivery",
    "engine.digest",
    "engine.sources",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[module_name(path)] = path
    return found


def imported(path: Path, name: str) -> Iterator[str]:
    """Every module name an import statement of ``path`` names (whatever its place)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    """Module → the modules of ``PACKAGES`` it imports (and the third-party roots named
    in ``FORBIDDEN``), with the packages an import runs."""
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        ours = set(_ancestors(name)) | {name}
        targets: set[str] = set()
        for target in imported(path, name):
            if target.split(".")[0] in FORBIDDEN:
                targets.add(target.split(".")[0])
            for candidate in (target, *_ancestors(target)):
                if candidate in known and candidate not in ours:
                    targets.add(candidate)
        edges[name] = targets
    return edges


def _ancestors(name: str) -> Iterator[str]:
    parts = name.split(".")
    for n in range(len(parts) - 1, 0, -1):
        yield ".".join(parts[:n])


def components(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in edges), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def reachable(edges: dict[str, set[str]], start: Iterable[str]) -> dict[str, str]:
    """Every module reachable from ``start``, with the module that first imports it."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo:
        node = todo.pop()
        for target in sorted(edges.get(node, ())):
            if target not in seen:
                seen[target] = node
                todo.append(target)
    return seen


def messages_modules(edges: dict[str, set[str]]) -> list[str]:
    return [m for m in edges if m == "engine.messages" or m.startswith("engine.messages.")]


def _within(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def test_the_import_graph_is_read_whole() -> None:
    edges = graph()
    # Function-level and TYPE_CHECKING imports are edges too: the letters read the store
    # inside their functions and name the outbox's rows only for typing.
    assert {"engine.store.models", "engine.outbox", "sqlalchemy"} <= edges["engine.letters"]
    assert "engine.store" in edges["engine.letters"]  # the package an import runs
    assert len(messages_modules(edges)) >= 4


def test_no_cycle_holds_messages_or_a_module_around_it() -> None:
    cycles = [sorted(c) for c in components(graph())]
    assert [c for c in cycles if any(_within(m, LAYERED) for m in c)] == []


def test_messages_reach_nothing_of_the_store_the_outbox_the_letters_or_the_bot() -> None:
    edges = graph()
    seen = reachable(edges, messages_modules(edges))
    bad = {}
    for target, by in seen.items():
        if _within(target, FORBIDDEN):
            bad[target] = by
    assert bad == {}


def test_the_store_imports_nothing_of_messages() -> None:
    edges = graph()
    store = [m for m in edges if m == "engine.store" or m.startswith("engine.store.")]
    seen = reachable(edges, store)
    assert sorted(m for m in seen if m.startswith("engine.messages")) == []
