"""The house's rules, read from the source: rooms, the way data flows, no import circle (imports inside functions count)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The stand-ins live in channels/ and routing/; bench/ drives the others from outside.
PACKAGES = ("gateway", "channels", "nlu", "routing", "store", "bench")
PROVIDER_LIBRARIES = ("twilio", "telegram")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Every project module `path` imports, at the top or inside a function."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (a name that is not a module means its package)."""
    paths = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
             if "migrations" not in p.parts}
    resolved: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for imported in imports_of(path, name):
            while imported not in paths and "." in imported:
                imported = imported.rsplit(".", 1)[0]
            if imported in paths and imported != name:
                targets.add(imported)
        resolved[name] = targets
    return resolved


def test_no_import_circle(graph):
    circles, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                circles.append(trail[trail.index(target):] + [target] if target in trail else [module, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])

    assert circles == []


def importers(graph, prefix: str) -> set[str]:
    return {m for m, targets in graph.items()
            if not m.startswith(prefix) and any(t == prefix or t.startswith(prefix + ".") for t in targets)}


def test_nothing_imports_the_cli(graph):
    assert importers(graph, "gateway.cli") == set()


def test_only_the_cli_reaches_the_demo(graph):
    assert importers(graph, "gateway.demo") <= {"gateway.cli"}


def test_no_blueprint_is_imported_to_reach_domain_code(graph):
    assert importers(graph, "gateway.web") <= {"gateway.app"}
    assert importers(graph, "gateway.inbound") <= {"gateway.app", "gateway.cli", "gateway.demo.run"}


def test_the_lower_floors_never_import_the_gateway(graph):
    below = [m for m in graph if m.split(".")[0] in ("nlu", "routing", "store", "channels")]
    assert {m: sorted(t for t in graph[m] if t.startswith("gateway")) for m in below
            if any(t.startswith("gateway") for t in graph[m])} == {}


def test_the_gateway_keeps_at_most_ten_modules_at_its_top_level():
    top = sorted(p.name for p in (ROOT / "gateway").glob("*.py"))

    assert len(top) <= 10, top


def test_channels_depend_on_nothing_of_the_gateway_the_store_nlu_or_routing(graph):
    reached = {m: sorted(t for t in graph[m] if t.split(".")[0] in ("gateway", "store", "nlu", "routing"))
               for m in graph if m.split(".")[0] == "channels"}

    assert {m: targets for m, targets in reached.items() if targets} == {}


def provider_traces(path: Path) -> list[str]:
    """What of a provider's format a module holds: an import of its library, a `whatsapp:` address."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] in PROVIDER_LIBRARIES]
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] in \
                PROVIDER_LIBRARIES:
            found.append(node.module or "")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "whatsapp:" in node.value:
            found.append(repr(node.value))
    return found


def test_no_provider_format_outside_the_channels():
    traces = {str(p.relative_to(ROOT)): provider_traces(p)
              for package in ("gateway", "store", "nlu", "routing") for p in (ROOT / package).rglob("*.py")}

    assert {path: found for path, found in traces.items() if found} == {}
