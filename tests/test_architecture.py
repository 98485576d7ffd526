"""Imports go one way: only bot/slack/ knows Slack, the front ends reach the core through
services/conversation, lower layers never import higher ones, and no module imports itself back."""

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
SLACK_PACKAGES = ("slack_bolt", "slack_sdk")
LAYERS = ("answering", "roles", "indexing", "stores", "evaluation", "gaps")
# Small modules every layer may use: the package itself (its version), value types, text helpers,
# errors, logging and settings.
SHARED = {"bot", "bot.types", "bot.text", "bot.errors", "bot.logs", "bot.settings"}
# The way in for the front ends (Slack, the terminal chat, the CLI).
ENTRANCES = {"bot.services", "bot.conversation"}
FRONT_ENDS = ("bot.slack", "bot.chat", "bot.cli")
# The CLI's maintainer commands (eval, gaps, train-roles, train-classifier) drive these tools
# directly; the training commands need an embedder but no services.
CLI_TOOLS = (
    "bot.answering.classify",
    "bot.answering.question_model",
    "bot.answering.ranker",
    "bot.answering.relation",
    "bot.evaluation.harness",
    "bot.evaluation.ranker_training",
    "bot.evaluation.relation_training",
    "bot.evaluation.report",
    "bot.evaluation.routing",
    "bot.gaps.grouping",
    "bot.gaps.report",
    "bot.roles.training",
    "bot.roles.model",
    "bot.stores.embeddings",
)
# layer -> what it must never import (a lower layer never knows a higher one)
NEVER_IMPORTS = {
    "bot.stores": (
        "bot.indexing",
        "bot.answering",
        "bot.roles",
        "bot.gaps",
        "bot.evaluation",
        "bot.conversation",
        "bot.services",
    ),
    "bot.indexing": (
        "bot.answering",
        "bot.roles",
        "bot.gaps",
        "bot.evaluation",
        "bot.conversation",
        "bot.services",
    ),
    "bot.answering": (
        "bot.roles",
        "bot.gaps",
        "bot.evaluation",
        "bot.conversation",
        "bot.services",
    ),
}


def module_name(path: Path, root: Path) -> str:
    """Dotted name of a source file under `root` (a package's __init__.py is the package)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = BOT) -> dict[str, Path]:
    """Every module of the package at `root`, by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def within(name: str, prefixes: Iterable[str]) -> bool:
    """Whether `name` is one of `prefixes` or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def imported_names(path: Path, name: str, known: set[str]) -> set[str]:
    """Every module `path` imports, anywhere in the file (function-level imports included),
    relative imports resolved; `from pkg import sub` names pkg.sub (not pkg) when sub is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            subs = {f"{base}.{a.name}" for a in node.names} & known
            names |= subs | ({base} if len(subs) < len(node.names) else set())
    return names


def bot_imports(root: Path = BOT) -> dict[str, set[str]]:
    """module -> the modules of the package it imports directly."""
    known = modules(root)
    top = root.name
    return {
        name: {m for m in imported_names(path, name, set(known)) if within(m, [top])}
        for name, path in known.items()
    }


def import_graph(root: Path = BOT) -> dict[str, set[str]]:
    """module -> modules that importing it runs: what it imports, plus the packages (their
    __init__) above those that are not already above the importer."""
    graph: dict[str, set[str]] = {}
    for name, targets in bot_imports(root).items():
        edges = set()
        for target in targets:
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                step = ".".join(parts[:i])
                if step != name and not name.startswith(step + "."):
                    edges.add(step)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_only_the_slack_package_imports_slack_libraries():
    offenders = {
        name
        for name, path in modules().items()
        if not within(name, ["bot.slack"])
        and any(within(m, SLACK_PACKAGES) for m in imported_names(path, name, set()))
    }
    assert offenders == set()


def test_the_slack_package_does_import_them():
    slack = {n: p for n, p in modules().items() if within(n, ["bot.slack"])}
    assert any(
        within(m, SLACK_PACKAGES) for n, p in slack.items() for m in imported_names(p, n, set())
    )


def test_front_ends_reach_the_core_only_through_services_and_conversation():
    reach = {
        "bot.slack": (*ENTRANCES, "bot.slack"),
        "bot.chat": tuple(ENTRANCES),
        "bot.cli": (*ENTRANCES, "bot.chat", "bot.slack.server", *CLI_TOOLS),
    }
    offenders = {
        (name, t)
        for name, targets in bot_imports().items()
        for front, ok in reach.items()
        if within(name, [front])
        for t in targets
        if t not in SHARED and not within(t, ok)
    }
    assert offenders == set()


def test_the_core_never_imports_a_front_end():
    offenders = {
        (name, t)
        for name, targets in bot_imports().items()
        if not within(name, FRONT_ENDS)
        for t in targets
        if within(t, FRONT_ENDS)
    }
    assert offenders == set()


def test_lower_layers_never_import_higher_ones():
    offenders = {
        (name, t)
        for name, targets in bot_imports().items()
        for layer, forbidden in NEVER_IMPORTS.items()
        if within(name, [layer])
        for t in targets
        if within(t, forbidden)
    }
    assert offenders == set()


def test_no_import_cycles():
    graph = import_graph()
    assert "bot.roles.dialog" in graph["bot.conversation"]  # the graph does see real imports
    assert cycles(graph) == []


def test_the_cycle_check_sees_package_inits_and_function_level_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "inner" / "__init__.py").write_text('"""Re-exports."""\nfrom pkg.inner.a import A\n')
    (pkg / "inner" / "a.py").write_text("from pkg.inner import c\nA = c.C\n")
    (pkg / "inner" / "c.py").write_text("C = 1\n")
    (pkg / "b.py").write_text("from .inner import c\nB = c.C\n")
    assert cycles(import_graph(pkg)) == []
    # pkg.b -> pkg.inner (its __init__ runs) -> pkg.inner.a -> (inside a function) pkg.b
    (pkg / "inner" / "a.py").write_text("A = 1\n\n\ndef f():\n    from pkg.b import B\n")
    assert cycles(import_graph(pkg)) == [["pkg.b", "pkg.inner", "pkg.inner.a"]]


def test_each_layer_package_is_a_docstring_and_re_exports_only():
    for layer in LAYERS:
        tree = ast.parse((BOT / layer / "__init__.py").read_text())
        first, *rest = tree.body
        assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant), layer
        assert "\n" not in first.value.value.strip(), f"bot/{layer}: one-line docstring"
        assert all(isinstance(node, ast.ImportFrom) for node in rest), layer


def test_listeners_are_thin():
    for path in (BOT / "slack" / "listeners").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("handle_"):
                length = node.end_lineno - node.lineno + 1
                assert length <= 40, f"{path.name}:{node.name} is {length} lines"


_RE_FUNCTIONS = {
    "compile",
    "search",
    "match",
    "fullmatch",
    "sub",
    "subn",
    "findall",
    "finditer",
    "split",
}
MAX_UNDERSTANDING_PATTERNS = 25


def regex_call_sites(paths: Iterable[Path]) -> list[str]:
    """Every call of a `re` function (re.compile, re.search, ...) in the given files."""
    sites = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCTIONS
            ):
                sites.append(f"{path.name}:{node.lineno}")
    return sites


def test_question_understanding_keeps_few_patterns():
    """Meaning comes from the vocabulary, the frames and the learned models; patterns are left
    for closed word classes and text structure (at most 25 in bot/answering and bot/text.py)."""
    sites = regex_call_sites([*sorted((BOT / "answering").glob("*.py")), BOT / "text.py"])
    assert len(sites) <= MAX_UNDERSTANDING_PATTERNS, sites


def test_the_pattern_count_sees_every_kind_of_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import re\nA = re.compile('a')\ndef f(t):\n    return re.sub('b', '', re.search('c', t))\n"
    )
    assert regex_call_sites([sample]) == ["sample.py:2", "sample.py:4", "sample.py:4"]
