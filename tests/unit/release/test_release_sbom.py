"""The SBOMs tools/release.py writes are valid CycloneDX 1.6 and say what the artifacts hold."""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import pytest

from support import sbom_schema

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools"))

import release_sbom  # noqa: E402

EPOCH = 1_700_000_000
SCHEMA_SHA256 = {
    "bom-1.6.SNAPSHOT.schema.json": "83821ba49aa366ad1f1d16c34837d05edd010f036f652e310db1c77d57b37c58",
    "spdx.SNAPSHOT.schema.json": "ea6e844ee6fba1e93473d94834d0ee0996970533497935f932f73d488ffdf4a3",
    "jsf-0.82.SNAPSHOT.schema.json": "8bae002c25e723db7ee1f26afde680ae1a2b1a8f6b4b4b0fd65dc3becb090aae",
}
DIGEST = "sha256:" + "ab" * 32
DOCKERFILE = f"""\
# syntax=docker/dockerfile:1@sha256:{"cd" * 32}
ARG BUILDER
ARG RUNTIME
FROM ${{BUILDER:-python:3.12-slim@{DIGEST}}} AS build
FROM scratch AS minimal
FROM ${{RUNTIME:-python:3.12-slim@{DIGEST}}} AS runtime
"""
WHEELS = {
    "pure/certifi": "certifi-2026.10.18-py3-none-any.whl",
    "manylinux_x86_64/cryptography": "cryptography-50.0.2-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "musllinux_x86_64/cryptography": "cryptography-50.0.2-cp39-abi3-musllinux_1_2_x86_64.whl",
}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def built(tmp_path: Path) -> dict[str, Path]:
    house = tmp_path / "wheels"
    house.mkdir()
    for name in WHEELS.values():
        (house / name).write_bytes(name.encode())
    pyz = tmp_path / "pip-tls-setup-1.2.3.pyz"
    with zipfile.ZipFile(pyz, "w") as archive:
        archive.writestr(release_sbom.SINGLE_FILE_META, json.dumps({"wheels": WHEELS}))
    wheel = tmp_path / "pip_tls_setup-1.2.3-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    return {"house": house, "pyz": pyz, "wheel": wheel}


def documents(built: dict[str, Path]) -> dict[str, dict[str, object]]:
    lock = (REPO / "entrypoint" / "requirements.lock").read_text()
    wheel, pyz = built["wheel"], built["pyz"]
    return {
        "wheel": release_sbom.wheel_sbom(wheel, sha(wheel), "1.2.3", lock, EPOCH),
        "pyz": release_sbom.pyz_sbom(pyz, sha(pyz), "1.2.3", built["house"], EPOCH),
        "image": release_sbom.image_sbom(DOCKERFILE, pyz, sha(pyz), "1.2.3", EPOCH),
    }


def test_the_vendored_schemas_are_the_recorded_files() -> None:
    for name, digest in SCHEMA_SHA256.items():
        assert sha(sbom_schema.SCHEMAS / name) == digest, name


@pytest.mark.parametrize("kind", ["wheel", "pyz", "image"])
def test_each_sbom_validates_against_cyclonedx_1_6(built: dict[str, Path], kind: str) -> None:
    document = documents(built)[kind]
    assert sbom_schema.errors(document) == []
    assert document["specVersion"] == "1.6"
    assert document["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"  # type: ignore[index]


def test_the_validator_rejects_a_broken_document(built: dict[str, Path]) -> None:
    document = documents(built)["wheel"]
    document["bomFormat"] = "SPDX"
    document["components"][0]["hashes"] = [{"alg": "SHA-256", "content": "not hex"}]  # type: ignore[index]
    assert len(sbom_schema.errors(document)) >= 2


def test_the_wheel_sbom_names_the_wheel_and_the_locked_dependencies(built: dict[str, Path]) -> None:
    document = documents(built)["wheel"]
    main = document["metadata"]["component"]  # type: ignore[index]
    assert main["hashes"] == [{"alg": "SHA-256", "content": sha(built["wheel"])}]
    assert main["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert main["purl"] == "pkg:pypi/pip-tls-setup@1.2.3?file_name=pip_tls_setup-1.2.3-py3-none-any.whl"
    names = {c["name"]: c["version"] for c in document["components"]}  # type: ignore[attr-defined]
    assert names["cryptography"] == "50.0.2" and "certifi" in names and "cffi" in names


def test_the_pyz_sbom_lists_every_bundled_wheel_with_its_hash(built: dict[str, Path]) -> None:
    document = documents(built)["pyz"]
    by_file = {c["purl"].split("file_name=")[-1]: c for c in document["components"] if "file_name=" in c["purl"]}  # type: ignore[attr-defined]
    assert sorted(by_file) == sorted(WHEELS.values())
    for name, component in by_file.items():
        assert component["hashes"] == [{"alg": "SHA-256", "content": sha(built["house"] / name)}]


def test_the_image_sbom_pins_the_runtime_base_by_digest(built: dict[str, Path]) -> None:
    document = documents(built)["image"]
    bases = [c for c in document["components"] if c["type"] == "container"]  # type: ignore[attr-defined]
    assert [b["purl"] for b in bases] == [
        f"pkg:oci/python@sha256%3A{'ab' * 32}?repository_url=docker.io/library/python&tag=3.12-slim"
    ]
    assert document["compositions"] == [{"aggregate": "incomplete", "assemblies": [bases[0]["bom-ref"]]}]


def test_sboms_are_deterministic(built: dict[str, Path]) -> None:
    assert json.dumps(documents(built), sort_keys=True) == json.dumps(documents(built), sort_keys=True)
    serials = {d["serialNumber"] for d in documents(built).values()}
    assert len(serials) == 3  # one per artifact


@pytest.mark.parametrize(
    ("reference", "purl"),
    [
        (
            "redhat/ubi9@sha256:" + "0" * 64,
            "pkg:oci/ubi9@sha256%3A" + "0" * 64 + "?repository_url=docker.io/redhat/ubi9",
        ),
        (
            "registry.example/org/pip-tls-setup:1-minimal@sha256:" + "1" * 64,
            "pkg:oci/pip-tls-setup@sha256%3A"
            + "1" * 64
            + "?repository_url=registry.example/org/pip-tls-setup&tag=1-minimal",
        ),
    ],
)
def test_oci_purls(reference: str, purl: str) -> None:
    assert release_sbom.oci_purl(reference) == purl
