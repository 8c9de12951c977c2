"""The images: every base and syntax directive pinned by digest, full OCI labels, the minimal variant, and
tools/refresh_digests.py (with a stand-in for the registry: the real one is never contacted in tests)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools"))

import refresh_digests  # noqa: E402

FILES = [REPO / "Dockerfile", *sorted((REPO / "examples").glob("Dockerfile*"))]
OCI_LABELS = ("source", "version", "revision", "licenses", "description", "created", "title")
FRESH = "sha256:" + "5" * 64


def stages(text: str) -> list[tuple[str, str, list[str]]]:
    """(image, name, body lines) for each FROM of a Dockerfile."""
    out: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        match = re.match(r"^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", line)
        if match:
            out.append((match.group(1), match.group(2) or "", []))
        elif out:
            out[-1][2].append(line)
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_from_and_syntax_line_carries_a_digest(path: Path) -> None:
    """The acceptance check: grep -E '^FROM|^# syntax' shows @sha256: on every image reference."""
    lines = [line for line in path.read_text().splitlines() if re.match(r"^FROM|^# syntax", line)]
    assert lines[0].startswith("# syntax=docker/dockerfile:1@sha256:")
    for line in lines:
        if re.match(r"^FROM\s+scratch\b", line):
            continue  # scratch is no image: nothing to pin
        assert re.search(r"@sha256:[0-9a-f]{64}\b", line), line
    assert refresh_digests.unpinned(path.read_text()) == []


def test_the_tool_image_has_a_minimal_and_a_runnable_target_with_full_oci_labels() -> None:
    found = {name: (image, body) for image, name, body in stages((REPO / "Dockerfile").read_text())}
    assert found["minimal"][0] == "scratch"
    copies = [line for line in found["minimal"][1] if line.startswith(("COPY", "ADD", "RUN"))]
    assert copies == ["COPY --from=build /out/pip-tls-setup /pip-tls-setup"]  # just the single file
    assert list(found)[-1] == "runtime"  # the default target
    for target in ("minimal", "runtime"):
        body = "\n".join(found[target][1])
        for label in OCI_LABELS:
            assert f"org.opencontainers.image.{label}=" in body, (target, label)
        assert 'org.opencontainers.image.licenses="Apache-2.0"' in body
        for arg in ("VERSION", "REVISION", "CREATED", "SOURCE"):
            assert f"ARG {arg}\n" in body + "\n", (target, arg)  # redeclared: the values reach the stage


def test_the_build_context_holds_the_licence() -> None:
    ignore = (REPO / "Dockerfile.dockerignore").read_text().splitlines()
    assert "!LICENSE" in ignore
    assert "COPY LICENSE ./" in (REPO / "Dockerfile").read_text()


def test_refresh_rewrites_the_digests_and_leaves_the_projects_own_image(tmp_path: Path) -> None:
    copies = []
    for index, path in enumerate(FILES):
        copies.append(tmp_path / f"{index}-{path.name}")
        shutil.copy(path, copies[-1])
    asked: list[str] = []

    def registry(name: str) -> str:
        asked.append(name)
        return FRESH

    assert refresh_digests.main([str(p) for p in copies], resolve=registry) == 0
    assert sorted(set(asked)) == sorted(asked)  # each name:tag asked once
    assert "docker/dockerfile:1" in asked and "python:3.12-slim" in asked and "redhat/ubi9" in asked
    assert not any(refresh_digests.OWN_IMAGE in name for name in asked)
    for original, copy in zip(FILES, copies):
        before, after = original.read_text(), copy.read_text()
        for ref in refresh_digests.references(after):
            assert ref.digest == (refresh_digests.PLACEHOLDER if ref.own else FRESH), ref
        # only digests changed
        assert re.sub(r"sha256:[0-9a-f]{64}", "D", before) == re.sub(r"sha256:[0-9a-f]{64}", "D", after)
    assert refresh_digests.main(["--check", *map(str, copies)], resolve=registry) == 0


def test_check_reports_placeholders_and_stale_digests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "Dockerfile"
    shutil.copy(REPO / "Dockerfile", copy)
    assert refresh_digests.main(["--check", str(copy)], resolve=lambda name: FRESH) == 1
    assert copy.read_text() == (REPO / "Dockerfile").read_text()  # --check changes nothing
    assert "python:3.12-slim" in capsys.readouterr().out


def test_a_refused_answer_from_the_registry_client_stops_with_one_line(tmp_path: Path) -> None:
    copy = tmp_path / "Dockerfile"
    shutil.copy(REPO / "Dockerfile", copy)
    with pytest.raises(SystemExit, match=r"^refresh_digests: error: docker/dockerfile:1: .*not a digest"):
        refresh_digests.main([str(copy)], resolve=lambda name: "<html>")


def test_unpinned_lines_are_found() -> None:
    text = "# syntax=docker/dockerfile:1\nFROM python:3.12 AS a\nFROM a\nFROM scratch\nFROM x@sha256:" + "1" * 64 + "\n"
    assert refresh_digests.unpinned(text) == ["# syntax=docker/dockerfile:1", "FROM python:3.12 AS a"]
