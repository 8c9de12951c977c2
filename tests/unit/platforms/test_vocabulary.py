"""One vocabulary: the Action and the GitLab component take the same inputs, under the same names, with the
same meanings and defaults, and their docs document exactly those; what only one of them has is listed here
with the reason."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pip_tls_setup.platforms.cli_contract import input_variable

REPO = Path(__file__).resolve().parents[3]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())["inputs"]
COMPONENT = next(yaml.safe_load_all((REPO / "templates" / "pip-tls-setup" / "template.yml").read_text()))["spec"][
    "inputs"
]
ONLY_ACTION = {"ca": "GitLab inputs are not secret storage: the CA is the PIP_TLS_SETUP_CA CI/CD variable"}
ONLY_COMPONENT = {
    "stage": "GitHub steps have no stage",
    "scan-image": "the scan is its own job in GitLab; in the Action it is a phase of the step",
    "registry-project": "the Action ships the tool's source; a component is YAML only and installs a wheel",
    "version": "likewise: the wheel's version (the Action is pinned by its commit)",
    "tool-sha256": "likewise: the wheel's hash",
}
# Where the defaults differ on purpose: what each platform can name.
DEFAULTS_DIFFER = {
    "bootstrap-python": "the Action searches PATH (skipping the Windows Store stub); a GitLab image has python3",
    "sarif-file": "a GitLab artifact needs a path; the Action writes SARIF only when asked",
}


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def _documented(doc: str) -> list[str]:
    section = (REPO / "docs" / doc).read_text().split("## Inputs", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M)


def test_the_same_inputs_in_both_wrappers_and_the_differences_explained() -> None:
    assert set(ACTION) - set(COMPONENT) == set(ONLY_ACTION)
    assert set(COMPONENT) - set(ACTION) == set(ONLY_COMPONENT)
    shared = set(ACTION) & set(COMPONENT)
    assert {"targets", "bootstrap-python", "scan", "scan-paths", "mode", "ca-fingerprints", "cleanup"} <= shared
    assert "python" not in shared  # it meant targets in one and the bootstrap interpreter in the other


def test_shared_inputs_default_alike() -> None:
    for name in set(ACTION) & set(COMPONENT):
        if name in DEFAULTS_DIFFER:
            continue
        assert _plain(ACTION[name]["default"]) == _plain(COMPONENT[name]["default"]), name


def test_shared_options_are_the_same() -> None:
    for name in ("mode", "cleanup"):
        listed = COMPONENT[name]["options"]
        assert listed[0] == ACTION[name]["default"]
        assert all(f"`{option}`" in ACTION[name]["description"] for option in listed), name


def test_the_docs_document_exactly_the_inputs() -> None:
    assert _documented("github-action.md") == list(ACTION)
    assert _documented("gitlab.md") == list(COMPONENT)


def test_both_run_steps_read_the_same_variables() -> None:
    """The Action's JavaScript and the component's YAML hand inputs over under the same PTS_ names."""
    lib = (REPO / "action" / "lib.js").read_text()
    run_inputs = re.findall(r"'([a-z-]+)'", lib.split("const RUN_INPUTS = [", 1)[1].split("];", 1)[0])
    body = (REPO / "templates" / "pip-tls-setup" / "template.yml").read_text().split("\n---\n", 1)[1]
    for name in run_inputs:
        assert f"{input_variable(name)}: " in body, name
