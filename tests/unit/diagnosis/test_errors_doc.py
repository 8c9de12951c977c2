"""docs/errors.md: every row of the error table names an end-to-end test function that exists, and every seed
error of seeds.md's 'The errors users paste' has a row."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DOC = (REPO / "docs" / "errors.md").read_text(encoding="utf-8")
TEST_CELL = re.compile(r"`(tests/e2e/test_errors_\w+\.py)::(test_\w+)`\s*\|\s*$")
# The distinctive words of each seed error (seeds.md), as a row must quote them.
SEEDS = (
    "ValueError: check_hostname requires server_hostname",
    "EOF occurred in violation of protocol (_ssl.c:997)",
    "unable to get local issuer certificate (_ssl.c:1007)",
    "connection error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:598)",
    "Read timed out. (read timeout=15)",
    "bad handshake: SysCallError(-1, 'Unexpected EOF')",
    "Could not find a version that satisfies the requirement flask-bcrypt (from versions: none)",
    "pip is configured with locations that require TLS/SSL, however the ssl module in Python is not available.",
)


def rows() -> list[str]:
    table = DOC.split("| error (as pasted) |", 1)[1].split("\n\n", 1)[0]
    return [line for line in table.splitlines()[2:] if line.startswith("| ")]


def functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_row_names_an_existing_test() -> None:
    found = rows()
    assert len(found) >= 14
    for row in found:
        match = TEST_CELL.search(row)
        assert match, f"row without a test: {row[:80]}"
        path = REPO / match.group(1)
        assert path.is_file(), match.group(1)
        assert match.group(2) in functions(path), f"{match.group(1)} has no {match.group(2)}"


def test_every_seed_error_has_a_row() -> None:
    table = "\n".join(rows())
    for words in SEEDS:
        assert words in table, words
