"""The layering holds: a lower layer never imports a higher one, and commands do not import each other.

    basics (errors, ui, escape, redact) <- ca, target <- inject, diagnosis, policy, clients
        <- commands, platforms <- cli

Every import counts, also the ones inside functions (commands import heavy modules lazily).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pip_tls_setup"

RANKS = {
    "__init__": 0,
    "__main__": 5,
    "errors": 0,
    "ui": 0,
    "escape": 0,
    "redact": 0,
    "ca": 1,
    "target": 1,
    "inject": 2,
    "diagnosis": 2,
    "policy": 2,
    "clients": 2,
    "commands": 3,
    "platforms": 3,
    "cli": 4,
}


def _part(module: str) -> str:
    """``pip_tls_setup.inject.apply`` -> ``inject``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        found.append((name, path))
    return found


def _imports(path: Path, module: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[str] = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if not prefix.startswith("pip_tls_setup"):
                continue
            if prefix == "pip_tls_setup":
                out.extend(f"pip_tls_setup.{alias.name}" for alias in node.names)
            else:
                out.append(prefix)
    return [name for name in out if name.startswith("pip_tls_setup")]


MODULES = _modules()


def test_every_top_level_part_has_a_rank() -> None:
    parts = {_part(name) for name, _ in MODULES if name != "pip_tls_setup"}
    assert parts <= set(RANKS), f"give these a rank in test_layering.RANKS: {sorted(parts - set(RANKS))}"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_no_lower_layer_imports_a_higher_one(module: str, path: Path) -> None:
    mine = RANKS[_part(module)]
    for imported in _imports(path, module):
        theirs = RANKS.get(_part(imported), 0) if imported != "pip_tls_setup" else 0
        assert theirs <= mine, f"{module} (layer {mine}) imports {imported} (layer {theirs})"


@pytest.mark.parametrize(
    ("module", "path"), [(m, p) for m, p in MODULES if m.startswith("pip_tls_setup.commands.")], ids=str
)
def test_commands_do_not_import_each_other(module: str, path: Path) -> None:
    for imported in _imports(path, module):
        if imported.startswith("pip_tls_setup.commands.") and imported != "pip_tls_setup.commands.common":
            pytest.fail(f"{module} imports {imported}: move the shared part out of commands/")
