"""tools/release.py --stamp: the GitLab template's version and tool-sha256 defaults, and nothing else."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools"))

import release_stamp  # noqa: E402

SHA = "9f" * 32


@pytest.fixture
def template(tmp_path: Path) -> Path:
    copy = tmp_path / "template.yml"
    shutil.copy(release_stamp.TEMPLATE, copy)
    return copy


def spec_inputs(text: str) -> dict[str, dict[str, object]]:
    spec = next(yaml.safe_load_all(text))["spec"]
    return spec["inputs"]  # type: ignore[no-any-return]


def test_stamp_sets_the_two_defaults_on_a_copy_of_the_template(template: Path) -> None:
    before = template.read_bytes()
    after = release_stamp.stamp(before.decode(), "1.4.2", SHA)
    template.write_text(after)
    inputs = spec_inputs(after)
    assert inputs["version"]["default"] == "1.4.2"
    assert inputs["tool-sha256"]["default"] == SHA
    old = spec_inputs(before.decode())
    for name in set(old) - {"version", "tool-sha256"}:
        assert inputs[name] == old[name], name
    assert release_stamp.stamped(after) == ("1.4.2", SHA)
    assert release_stamp.TEMPLATE.read_bytes() == before  # the repository's template is untouched


def test_every_other_byte_stays(template: Path) -> None:
    before = template.read_text().splitlines(keepends=True)
    after = release_stamp.stamp("".join(before), "1.4.2", SHA).splitlines(keepends=True)
    assert len(after) == len(before)
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(changed) <= 2
    for old, new in changed:
        assert old.split("default:")[0] == new.split("default:")[0]  # same indentation and key
        assert new.rstrip("\n").endswith(('"1.4.2"', f'"{SHA}"'))
    # the rest of the file, including the jobs after '---', is byte-identical
    assert [a for a, b in zip(before, after) if a == b] == [b for a, b in zip(before, after) if a == b]


def test_stamping_twice_gives_the_same_text(template: Path) -> None:
    once = release_stamp.stamp(template.read_text(), "1.4.2", SHA)
    assert release_stamp.stamp(once, "1.4.2", SHA) == once


def test_keys_elsewhere_are_not_mistaken_for_the_inputs() -> None:
    text = (
        "spec:\n  inputs:\n    stage:\n      default: test\n    version:\n      type: string\n"
        '      default: "0.1.0"  # the release\n    tool-sha256:\n      default: ""\n---\n'
        "job:\n  variables:\n    version:\n      default: keep\n"
    )
    out = release_stamp.stamp(text, "2.0.0", SHA)
    assert '      default: "2.0.0"  # the release\n' in out
    assert out.endswith("    version:\n      default: keep\n")
    assert "      default: test\n" in out


@pytest.mark.parametrize(("version", "sha"), [("v1.2.3", SHA), ("1.2", SHA), ("1.2.3", "abc"), ("1.2.3", SHA.upper())])
def test_bad_values_are_refused(version: str, sha: str) -> None:
    with pytest.raises(SystemExit):
        release_stamp.stamp(release_stamp.TEMPLATE.read_text(), version, sha)


def test_a_template_without_the_input_is_refused() -> None:
    with pytest.raises(SystemExit, match="tool-sha256"):
        release_stamp.stamp('spec:\n  inputs:\n    version:\n      default: "1"\n---\n', "1.0.0", SHA)


def test_the_registry_project_is_stamped_when_given() -> None:
    text = release_stamp.TEMPLATE.read_text(encoding="utf-8")
    stamped = release_stamp.stamp(text, "1.2.3", "a" * 64, "platform/pip-tls-setup")
    assert release_stamp.read_default(stamped, "registry-project") == "platform/pip-tls-setup"
    assert release_stamp.stamp(text, "1.2.3", "a" * 64).count("\n") == text.count("\n")
    with pytest.raises(SystemExit):
        release_stamp.stamp(text, "1.2.3", "a" * 64, "not a project; rm -rf /")
