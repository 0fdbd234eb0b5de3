"""The import graph of ``ctfy_auth/`` keeps the layers of DESIGN §3 (issue #12's "Done when").

Three rules, checked by parsing every module with :mod:`ast` (nothing is imported):

(a) **No import cycle** among ctfy_auth's modules. An import inside a function counts: it
    runs later, but it is still a dependency in both directions, and the one cycle issue #12
    found (``credential_cache -> models/token_lookup -> models/tokens -> credential_cache``)
    went through one. An import under ``if TYPE_CHECKING:`` does not count: it never runs, and
    annotations may name a type from a module that imports this one.
(b) **Models import nothing above them**: a module under ``ctfy_auth/models/`` imports only
    other ``models`` modules and ``conf``, ``constants``, ``crypto``, ``signals`` — every
    import, in a function or under ``TYPE_CHECKING`` too (a type from above is still a
    dependency on it).
(c) **No ``_private`` name crosses a module boundary**: no module imports a ``_name`` from
    another module, or reads ``module._name`` off a ctfy_auth module it imported; a
    ``_private`` *module* (``services/_common.py``) may be imported only from inside its own
    package (``ctfy_auth.services`` and below). Every import counts. ``migrations/`` is
    exempt: Django wrote the dotted paths of the callables there (``models._ids.new_id``),
    and a migration is never edited.

Edges: ``from ctfy_auth.x import y`` is an edge to ``ctfy_auth.x.y`` when that is a module,
else to ``ctfy_auth.x`` (a package's ``__init__``). The implicit import of a module's parent
packages is not an edge (Python always runs those first).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = "ctfy_auth"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

#: What a module under ``ctfy_auth.models`` may import from outside ``ctfy_auth.models``.
MODELS_MAY_IMPORT = frozenset(
    f"{PACKAGE}.{name}" for name in ("conf", "constants", "crypto", "signals")
)
#: Packages whose modules rule (c) does not read (see the module docstring).
PRIVACY_EXEMPT = (f"{PACKAGE}.migrations",)


# --- the checker --------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One imported thing: ``target`` module, and ``name`` when a name of it was imported."""

    importer: str
    target: str
    name: str | None
    line: int
    in_function: bool
    type_checking: bool

    def where(self) -> str:
        what = f"{self.target}.{self.name}" if self.name else self.target
        return f"{self.importer}:{self.line} imports {what}"


@dataclass
class Module:
    name: str
    is_package: bool
    tree: ast.Module
    imports: list[Import] = field(default_factory=list)
    private_reads: list[tuple[int, str, str]] = field(default_factory=list)  # line, module, attr


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


class _Collector(ast.NodeVisitor):
    def __init__(self, module: Module, known: frozenset[str]) -> None:
        self.module = module
        self.known = known
        self.function_depth = 0
        self.type_checking_depth = 0
        self.bound: dict[str, str] = {}  # local name -> ctfy_auth module it is bound to

    def _add(self, target: str, name: str | None, line: int) -> None:
        if target != PACKAGE and not target.startswith(PACKAGE + "."):
            return
        self.module.imports.append(
            Import(
                importer=self.module.name,
                target=target,
                name=name,
                line=line,
                in_function=self.function_depth > 0,
                type_checking=self.type_checking_depth > 0,
            )
        )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self.visit(node.test)
            self.type_checking_depth += 1
            for child in node.body:
                self.visit(child)
            self.type_checking_depth -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, None, node.lineno)
            if alias.name in self.known:
                # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``.
                local = alias.asname or alias.name.split(".")[0]
                self.bound[local] = alias.name if alias.asname else alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _absolute(self.module, node)
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            if submodule in self.known:
                self._add(submodule, None, node.lineno)
                self.bound[alias.asname or alias.name] = submodule
            else:
                self._add(source, alias.name, node.lineno)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain: list[str] = [node.attr]
        value: ast.expr = node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in self.bound:
            # Walk ``pkg.sub.mod._name`` down to the last module, then judge the attribute.
            path = self.bound[value.id]
            for part in reversed(chain):
                if f"{path}.{part}" in self.known:
                    path = f"{path}.{part}"
                    continue
                if _is_private(part):
                    self.module.private_reads.append((node.lineno, path, part))
                break
            return  # the chain is judged; do not visit its inner Attribute nodes again
        self.generic_visit(node)


def parse_modules(sources: Mapping[str, tuple[str, bool]]) -> dict[str, Module]:
    """``{module name: (source, is_package)}`` to parsed modules with their imports."""
    known = frozenset(sources)
    modules = {
        name: Module(name, is_package, ast.parse(source))
        for name, (source, is_package) in sources.items()
    }
    for module in modules.values():
        _Collector(module, known).visit(module.tree)
    return modules


def package_sources(root: Path = ROOT) -> dict[str, tuple[str, bool]]:
    """The real package: every ``.py`` file under ``root``, by dotted module name."""
    sources = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        sources[name] = (path.read_text(encoding="utf-8"), is_package)
    return sources


def _edges(modules: Mapping[str, Module]) -> dict[str, dict[str, Import]]:
    """importer -> {target: first import} for rule (a), over modules we know."""
    graph: dict[str, dict[str, Import]] = {name: {} for name in modules}
    for module in modules.values():
        for imp in module.imports:
            if imp.type_checking or imp.target not in modules or imp.target == module.name:
                continue
            graph[module.name].setdefault(imp.target, imp)
    return graph


def import_cycles(modules: Mapping[str, Module]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each as one cycle."""
    graph = _edges(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def describe_cycle(modules: Mapping[str, Module], component: Iterable[str]) -> str:
    """One path around ``component``, with the line of each import, for the failure message."""
    members = set(component)
    graph = _edges(modules)
    start = min(members)
    path, seen, node = [start], {start}, start
    while True:
        target = next(t for t in sorted(graph[node]) if t in members)
        imp = graph[node][target]
        path[-1] = f"{node}:{imp.line}{' (in a function)' if imp.in_function else ''}"
        if target in seen:
            path.append(target)
            return " -> ".join(path)
        seen.add(target)
        path.append(target)
        node = target


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def models_layer_violations(modules: Mapping[str, Module]) -> list[str]:
    """Rule (b): imports from ``ctfy_auth.models`` to anything above it."""
    layer = f"{PACKAGE}.models"
    return [
        imp.where()
        for module in modules.values()
        if _within(module.name, layer)
        for imp in module.imports
        if not _within(imp.target, layer) and imp.target not in MODELS_MAY_IMPORT
    ]


def privacy_violations(modules: Mapping[str, Module]) -> list[str]:
    """Rule (c): ``_private`` names and modules used outside their module or package."""
    problems = []
    for module in modules.values():
        if any(_within(module.name, exempt) for exempt in PRIVACY_EXEMPT):
            continue
        for imp in module.imports:
            parts = imp.target.split(".")
            for depth, part in enumerate(parts):
                owner = ".".join(parts[:depth])  # the package the private module belongs to
                if _is_private(part) and not _within(module.name, owner):
                    problems.append(f"{imp.where()} (private module of {owner})")
                    break
            else:
                if imp.name is not None and _is_private(imp.name) and imp.target != module.name:
                    problems.append(f"{imp.where()} (private name)")
        for line, target, attr in module.private_reads:
            if target != module.name:
                problems.append(f"{module.name}:{line} reads {target}.{attr} (private name)")
    return problems


# --- the real package -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def package() -> dict[str, Module]:
    modules = parse_modules(package_sources())
    assert f"{PACKAGE}.principal" in modules and f"{PACKAGE}.models.tokens" in modules
    return modules


def test_no_import_cycle(package):
    cycles = [describe_cycle(package, component) for component in import_cycles(package)]
    assert not cycles, "import cycles in ctfy_auth:\n" + "\n".join(cycles)


def test_models_import_nothing_above_them(package):
    problems = models_layer_violations(package)
    assert not problems, "models/ imports from above models/:\n" + "\n".join(problems)


def test_no_private_name_crosses_a_module(package):
    problems = privacy_violations(package)
    assert not problems, "private names used across modules:\n" + "\n".join(problems)


# --- the checker itself, on tiny synthetic packages -------------------------------------------


def _modules(**sources: str) -> dict[str, Module]:
    """``pkg__a="..."`` is module ``ctfy_auth.pkg.a``; a trailing ``__init`` makes a package."""
    spec = {}
    for key, source in sources.items():
        parts = key.split("__")
        is_package = parts[-1] == "init"
        name = ".".join([PACKAGE, *(parts[:-1] if is_package else parts)]).rstrip(".")
        spec[name] = (source, is_package)
    return parse_modules(spec)


def _cycles(**sources: str) -> list[list[str]]:
    return import_cycles(_modules(**sources))


def test_checker_finds_a_module_level_cycle():
    cycles = _cycles(
        a="from ctfy_auth.b import thing\n",
        b="from ctfy_auth import c\n",
        c="import ctfy_auth.a\n",
        d="from ctfy_auth.a import x\n",  # hangs off the cycle, is not in it
    )
    assert cycles == [["ctfy_auth.a", "ctfy_auth.b", "ctfy_auth.c"]]


def test_checker_counts_a_function_level_import_in_a_cycle():
    modules = _modules(
        a="from ctfy_auth.b import thing\n",
        b="def f():\n    from ctfy_auth.a import other\n",
    )
    (cycle,) = import_cycles(modules)
    assert cycle == ["ctfy_auth.a", "ctfy_auth.b"]
    assert "(in a function)" in describe_cycle(modules, cycle)


def test_checker_ignores_type_checking_imports_for_cycles():
    assert not _cycles(
        a="from ctfy_auth.b import thing\n",
        b=(
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from ctfy_auth.a import Other\n"
            "else:\n    pass\n"
        ),
    )
    assert _cycles(  # ... but not the else branch of one
        a="from ctfy_auth.b import thing\n",
        b="import typing\nif typing.TYPE_CHECKING:\n    pass\nelse:\n    import ctfy_auth.a\n",
    )


def test_checker_resolves_packages_submodules_and_relative_imports():
    # ``from pkg import sub`` is an edge to the submodule; a package importing its own
    # submodules is no cycle, and a relative import resolves like an absolute one.
    assert not _cycles(
        pkg__init="from ctfy_auth.pkg.sub import f\n",
        pkg__sub="from ctfy_auth.pkg import other\n",
        pkg__other="X = 1\n",
    )
    assert _cycles(
        pkg__init="from .sub import f\n",
        pkg__sub="from . import NAME\n",  # a name of the package: an edge to its __init__
    ) == [["ctfy_auth.pkg", "ctfy_auth.pkg.sub"]]


def test_checker_finds_models_importing_upward_anywhere():
    modules = _modules(
        models__init="from ctfy_auth.models.tokens import Token\n",
        models__tokens=(
            "from typing import TYPE_CHECKING\n"
            "from ctfy_auth import constants, crypto\n"
            "from ctfy_auth.conf import app_settings\n"
            "from ctfy_auth.models._ids import new_id\n"
            "from ctfy_auth.signals import token_revoked\n"
            "import django.db\n"
            "if TYPE_CHECKING:\n    from ctfy_auth.principal import Principal\n"
            "def save():\n    from ctfy_auth import credential_cache\n"
        ),
        models___ids="X = 1\n",
        constants="",
        crypto="",
        conf="",
        signals="",
        principal="",
        credential_cache="",
        services__tokens="from ctfy_auth.models import Token\n",  # downward: fine
    )
    assert models_layer_violations(modules) == [
        "ctfy_auth.models.tokens:8 imports ctfy_auth.principal.Principal",
        "ctfy_auth.models.tokens:10 imports ctfy_auth.credential_cache",
    ]


def test_checker_finds_private_names_and_modules_across_boundaries():
    modules = _modules(
        services__init="",
        services___common="def helper(): ...\n_SECRET = 1\n",
        services__sessions="from ctfy_auth.services._common import helper\n",  # sibling: fine
        services__deep__init="from ctfy_auth.services import _common\n",  # below it: fine
        views=(
            "from ctfy_auth.services._common import helper\n"  # line 1: private module
            "from ctfy_auth.permissions import _validated, check\n"  # line 2: private name
            "from ctfy_auth import permissions as perms\n"
            "import ctfy_auth.permissions\n"
            "def f():\n"
            "    perms._validated()\n"  # line 6: read off the module
            "    ctfy_auth.permissions._validated()\n"  # line 7: through the package
            "    perms.check()\n"
            "    perms.__name__\n"  # dunders are not private
            "    request._request\n"  # not a module of ours
        ),
        permissions="def _validated(): ...\ndef check(): _validated()\n",
        testing="from ctfy_auth import scopes as _scopes\n",  # a private alias is fine
        scopes="",
        migrations__m0001="import ctfy_auth.services._common\n",  # exempt
    )
    assert privacy_violations(modules) == [
        "ctfy_auth.views:1 imports ctfy_auth.services._common.helper (private module of "
        "ctfy_auth.services)",
        "ctfy_auth.views:2 imports ctfy_auth.permissions._validated (private name)",
        "ctfy_auth.views:6 reads ctfy_auth.permissions._validated (private name)",
        "ctfy_auth.views:7 reads ctfy_auth.permissions._validated (private name)",
    ]
