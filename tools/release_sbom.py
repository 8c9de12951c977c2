"""CycloneDX 1.6 SBOMs (JSON) for the release artifacts, written from what the build used. Standard library only.

- the wheel: the package itself (its sha256, licence) and the runtime dependencies as pinned in
  ``entrypoint/requirements.lock`` (what the Action, the GitLab component and the image install, hash-checked);
- the single file (``.pyz``): every wheel whose files it carries, each with its own sha256 (from the
  wheelhouse the build used, all checked against the lock), named by the file's own build record;
- the image: its base images as the Dockerfile pins them (by digest) and the single file it carries.
  The base image's own packages are not listed here (``compositions`` says so); the image pushed by the
  release workflow also carries BuildKit's SBOM attestation, which lists them.

Every SBOM is deterministic: its timestamp is ``SOURCE_DATE_EPOCH`` and its serial number is derived
from the artifact's sha256, so the two builds of ``tools/release.py`` give the same SBOMs too.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pts_index

SPEC = "1.6"
SCHEMA = "http://cyclonedx.org/schema/bom-1.6.schema.json"
LICENSE = "Apache-2.0"
SINGLE_FILE_META = "pip_tls_setup_single_file.json"
TOOL = {"type": "application", "name": "pip-tls-setup tools/release.py"}
_FROM = re.compile(r"^FROM\s+(?:--\S+\s+)*(\S+)", re.MULTILINE)
_DEFAULTED = re.compile(r"^\$\{\w+:-(.+)\}$")


def pypi_purl(name: str, version: str, filename: str | None = None) -> str:
    purl = f"pkg:pypi/{pts_index.normalize(name)}@{version}"
    return purl + (f"?file_name={urllib.parse.quote(filename)}" if filename else "")


def oci_purl(reference: str) -> str:
    """``pkg:oci/NAME@sha256%3A...?repository_url=...&tag=...`` for ``[registry/]repo[:tag]@sha256:...``."""
    name_tag, digest = reference.split("@", 1)
    repository, _, tag = name_tag.rpartition(":") if ":" in name_tag.rsplit("/", 1)[-1] else (name_tag, "", "")
    first = repository.split("/", 1)[0]
    if "." not in first and ":" not in first and first != "localhost":
        repository = "docker.io/" + (repository if "/" in repository else "library/" + repository)
    name = repository.rsplit("/", 1)[-1].lower()
    query = f"repository_url={repository}" + (f"&tag={tag}" if tag else "")
    return f"pkg:oci/{name}@{urllib.parse.quote(digest)}?{query}"


def _document(main: dict[str, Any], components: list[dict[str, Any]], epoch: int, sha256: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC,
        "serialNumber": uuid.uuid5(uuid.NAMESPACE_URL, f"pip-tls-setup:sbom:{sha256}").urn,
        "version": 1,
        "metadata": {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
            "tools": {"components": [TOOL]},
            "component": main,
        },
        "components": components,
        "dependencies": [{"ref": main["bom-ref"], "dependsOn": [c["bom-ref"] for c in components]}]
        + [{"ref": c["bom-ref"]} for c in components],
    }


def _hashes(sha256: str) -> list[dict[str, str]]:
    return [{"alg": "SHA-256", "content": sha256}]


def _locked(lock_text: str) -> list[dict[str, Any]]:
    out = []
    for pin in sorted(pts_index.read_pins(lock_text), key=lambda p: pts_index.normalize(p.name)):
        component: dict[str, Any] = {
            "type": "library",
            "bom-ref": pypi_purl(pin.name, pin.version),
            "name": pts_index.normalize(pin.name),
            "version": pin.version,
            "purl": pypi_purl(pin.name, pin.version),
            "scope": "required",
        }
        if pin.marker:
            component["properties"] = [{"name": "pip-tls-setup:environment-marker", "value": pin.marker}]
        out.append(component)
    return out


def wheel_sbom(wheel: Path, sha256: str, version: str, lock_text: str, epoch: int) -> dict[str, Any]:
    main = {
        "type": "library",
        "bom-ref": pypi_purl("pip-tls-setup", version, wheel.name),
        "name": "pip-tls-setup",
        "version": version,
        "purl": pypi_purl("pip-tls-setup", version, wheel.name),
        "hashes": _hashes(sha256),
        "licenses": [{"license": {"id": LICENSE}}],
    }
    return _document(main, _locked(lock_text), epoch, sha256)


def _bundled(pyz: Path, wheelhouse: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(pyz) as archive:
        meta = json.loads(archive.read(SINGLE_FILE_META))
    components = []
    for filename in sorted(set(meta["wheels"].values())):
        name, version = filename.split("-")[:2]
        purl = pypi_purl(name, version, filename)
        components.append(
            {
                "type": "library",
                "bom-ref": purl,
                "name": pts_index.normalize(name),
                "version": version,
                "purl": purl,
                "hashes": _hashes(pts_index.sha256_of(wheelhouse / filename)),
            }
        )
    return components


def pyz_component(pyz: Path, sha256: str, version: str) -> dict[str, Any]:
    return {
        "type": "application",
        "bom-ref": f"pip-tls-setup-single-file@{version}",
        "name": "pip-tls-setup",
        "version": version,
        "description": "pip-tls-setup as one file (a Python zipapp): " + pyz.name,
        "hashes": _hashes(sha256),
        "licenses": [{"license": {"id": LICENSE}}],
    }


def pyz_sbom(pyz: Path, sha256: str, version: str, wheelhouse: Path, epoch: int) -> dict[str, Any]:
    source = {
        "type": "library",
        "bom-ref": pypi_purl("pip-tls-setup", version),
        "name": "pip-tls-setup",
        "version": version,
        "purl": pypi_purl("pip-tls-setup", version),
        "licenses": [{"license": {"id": LICENSE}}],
    }
    return _document(pyz_component(pyz, sha256, version), [source, *_bundled(pyz, wheelhouse)], epoch, sha256)


def from_references(dockerfile_text: str) -> list[str]:
    """The image of each FROM line, in order (the default of ``${ARG:-image}``; stage names and scratch as is)."""
    out = []
    for word in _FROM.findall(dockerfile_text):
        match = _DEFAULTED.match(word)
        out.append(match.group(1) if match else word)
    return out


def runtime_base(dockerfile_text: str) -> str | None:
    """The base of the default target (the last stage), if it is a pinned image."""
    references = from_references(dockerfile_text)
    last = references[-1] if references else ""
    return last if "@sha256:" in last else None


def image_sbom(dockerfile_text: str, pyz: Path, sha256: str, version: str, epoch: int) -> dict[str, Any]:
    main = {
        "type": "container",
        "bom-ref": f"pip-tls-setup-image@{version}",
        "name": "pip-tls-setup",
        "version": version,
        "licenses": [{"license": {"id": LICENSE}}],
        "properties": [
            {"name": "pip-tls-setup:targets", "value": "runtime (default), minimal (FROM scratch: /pip-tls-setup only)"}
        ],
    }
    components = [pyz_component(pyz, sha256, version)]
    bases = []
    reference = runtime_base(dockerfile_text)
    if reference:
        name_tag = reference.split("@", 1)[0]
        component = {
            "type": "container",
            "bom-ref": oci_purl(reference),
            "name": name_tag.rsplit(":", 1)[0] if ":" in name_tag.rsplit("/", 1)[-1] else name_tag,
            "version": reference.split("@", 1)[1],
            "purl": oci_purl(reference),
        }
        bases.append(component["bom-ref"])
        components.append(component)
    document = _document(main, components, epoch, sha256 + ":image")
    # The base images' own contents are not enumerated here (BuildKit's attestation on the pushed image is).
    document["compositions"] = [{"aggregate": "incomplete", "assemblies": bases}] if bases else []
    return document


def write(document: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
