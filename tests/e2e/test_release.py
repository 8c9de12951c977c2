"""The release dry run (tools/release.py --dry-run): wheel, sdist and single file built twice from fresh
clones of HEAD (another umask and time zone each time) give the same sha256; LICENSE is in the wheel and
the sdist; the sdist is in its normal form; the SBOMs validate against CycloneDX 1.6; the sums are right;
--stamp writes the build's own wheel hash into a copy of the GitLab template. Nothing is published.

The build requirements and the single file's wheels come from the package registry (hash-checked), with
this machine's CA settings; pip's config files are off inside the builds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from corplab.pki import make_ca

from support import sbom_schema

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import release_stamp  # noqa: E402


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    out = tmp_path_factory.mktemp("dist")
    template = tmp_path_factory.mktemp("template") / "template.yml"
    shutil.copy(release_stamp.TEMPLATE, template)
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "release.py"),
            "--dry-run",
            "--out",
            str(out),
            "--stamp",
            "--template",
            str(template),
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),  # the registry downloads use this machine's CA settings
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    return out, template, done.stdout


def sums(out: Path) -> dict[str, str]:
    lines = (out / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_both_builds_give_the_same_sha256(dry_run: tuple[Path, Path, str]) -> None:
    _, _, stdout = dry_run
    found: dict[str, dict[str, str]] = {}
    for build, digest, name in re.findall(r"^build (a|b): ([0-9a-f]{64})  (\S+)$", stdout, re.MULTILINE):
        found.setdefault(name, {})[build] = digest
    assert sorted(n.rsplit(".", 1)[-1] for n in found) == ["gz", "pyz", "whl"]
    for name, builds in found.items():
        assert builds["a"] == builds["b"], name


def test_the_sums_match_the_files(dry_run: tuple[Path, Path, str]) -> None:
    out, _, _ = dry_run
    listed = sums(out)
    assert len(listed) == 6  # wheel, sdist, .pyz and their three SBOMs
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    (pyz,) = out.glob("*.pyz")
    assert (out / f"{pyz.name}.sha256").read_text() == f"{listed[pyz.name]}  {pyz.name}\n"


def test_license_is_in_the_wheel_and_the_sdist(dry_run: tuple[Path, Path, str]) -> None:
    out, _, _ = dry_run
    license_text = (REPO / "LICENSE").read_bytes()
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(names) == 1 and archive.read(names[0]) == license_text
        metadata = archive.read(names[0].replace("licenses/LICENSE", "METADATA")).decode()
        assert "License-Expression: Apache-2.0" in metadata and "License-File: LICENSE" in metadata
    (sdist,) = out.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0]
        member = archive.extractfile(f"{top}/LICENSE")
        assert member is not None and member.read() == license_text
    (pyz,) = out.glob("*.pyz")
    with zipfile.ZipFile(pyz) as archive:
        assert archive.read("licenses/pip-tls-setup/LICENSE") == license_text


def test_the_sdist_is_normalised(dry_run: tuple[Path, Path, str]) -> None:
    out, _, _ = dry_run
    (sdist,) = out.glob("*.tar.gz")
    raw = sdist.read_bytes()
    assert raw[3] == 0 and raw[4:8] == b"\0\0\0\0"  # gzip: no file name, mtime 0
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    assert len({m.mtime for m in members}) == 1


def test_the_sboms_validate_against_cyclonedx_1_6(dry_run: tuple[Path, Path, str]) -> None:
    out, _, _ = dry_run
    documents = sorted(out.glob("*.cdx.json"))
    assert len(documents) == 3
    for path in documents:
        assert sbom_schema.errors(json.loads(path.read_text())) == [], path.name
    (wheel,) = out.glob("*.whl")
    wheel_sbom = json.loads((out / f"{wheel.name}.cdx.json").read_text())
    assert wheel_sbom["metadata"]["component"]["hashes"][0]["content"] == sums(out)[wheel.name]


def test_stamp_writes_this_builds_wheel_hash_into_the_template_copy(dry_run: tuple[Path, Path, str]) -> None:
    out, template, _ = dry_run
    (wheel,) = out.glob("*.whl")
    version = wheel.name.split("-")[1]
    assert release_stamp.stamped(template.read_text()) == (version, sums(out)[wheel.name])


def test_the_release_single_file_installs_as_readme_says(dry_run: tuple[Path, Path, str], tmp_path: Path) -> None:
    """README's install path (a): check the sum, run it with any Python >= 3.9, no network, no pip."""
    out = dry_run[0]
    (pyz,) = out.glob("*.pyz")
    checked = subprocess.run(["sha256sum", "-c", f"{pyz.name}.sha256"], cwd=out, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.strip() == f"{pyz.name}: OK"
    ca = make_ca("Release Test Root CA").write(tmp_path / "ca.pem")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "PIP_CONFIG_FILE": "/dev/null"}
    run = subprocess.run(
        ["/usr/bin/python3", "-I", str(pyz), "inspect", str(ca)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0 and "Release Test Root CA" in run.stdout, run.stderr
