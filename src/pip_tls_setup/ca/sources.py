"""Where corporate CAs come from: ``--ca`` files and directories, ``$PIP_TLS_SETUP_CA``
text (how CI secrets arrive) and ``--ca-fingerprint`` pins."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pip_tls_setup.ca.certs import CACert, LintFinding, dedupe, lint, load_certificates
from pip_tls_setup.errors import InputError

CA_ENV = "PIP_TLS_SETUP_CA"
PINS_ENV = "PIP_TLS_SETUP_CA_FINGERPRINTS"
CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der", ".cert", ".p7b", ".p7c")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class CASet:
    """The validated corporate CAs, deduplicated, with their lint findings."""

    certs: list[CACert]
    findings: dict[str, list[LintFinding]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[tuple[CACert, LintFinding]]:
        return [(c, f) for c in self.certs for f in self.findings.get(c.sha256, []) if f.level == "warning"]


def parse_pin(text: str) -> str:
    """``sha256:HEX``, ``sha256 Fingerprint=AA:BB:…`` (openssl's output), ``AA:BB:…`` or bare hex."""
    value = text.strip().lower()
    value = re.sub(r"^sha-?256\s+fingerprint\s*=\s*", "", value)
    value = re.sub(r"^sha-?256:", "", value)
    other = re.match(r"^(sha-?1|sha-?384|sha-?512|md5)[:\s]", value)
    if other:
        raise InputError(
            f"--ca-fingerprint {text}",
            f"uses {other.group(1)}, not SHA-256",
            "pin the SHA-256 fingerprint: sha256:<64 hex digits>",
        )
    normalised = value.replace(":", "").replace(" ", "")
    if not _HEX64.match(normalised):
        raise InputError(
            f"--ca-fingerprint {text}",
            "is not a SHA-256 fingerprint",
            "write it as sha256:<64 hex digits> (openssl x509 -noout -fingerprint -sha256 -in ca.pem)",
        )
    return normalised


def parse_pins(values: Iterable[str], env: Mapping[str, str]) -> set[str]:
    pins = {parse_pin(v) for v in values}
    for item in re.split(r"[\s,]+", env.get(PINS_ENV, "")):
        if item:
            pins.add(parse_pin(item))
    return pins


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "does not exist", "check the --ca path") from None
    except PermissionError:
        raise InputError(str(path), "is not readable", "check its permissions or run with more privilege") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror})", "check the --ca path") from None


def _from_path(path: Path) -> list[CACert]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in CERT_SUFFIXES)
        if not files:
            raise InputError(
                str(path),
                "is a directory without certificate files",
                f"put the CA there as one of {', '.join(CERT_SUFFIXES)}, or pass the file itself",
            )
        found: list[CACert] = []
        for file in files:
            found.extend(load_certificates(_read(file), str(file)))
        return found
    if not path.exists():
        raise InputError(str(path), "does not exist", "check the --ca path")
    return load_certificates(_read(path), str(path))


def gather(
    paths: Sequence[str],
    env: Mapping[str, str],
    pins: set[str],
    now: datetime | None = None,
    extra: Sequence[CACert] = (),
) -> CASet:
    """Load, validate and pin-check every supplied CA. Raises InputError on the first problem."""
    certs: list[CACert] = list(extra)
    for raw in paths:
        certs.extend(_from_path(Path(raw)))
    text = env.get(CA_ENV, "")
    if text.strip():
        certs.extend(load_certificates(text.encode("utf-8", "replace"), f"${CA_ENV}"))
    certs = dedupe(certs)
    if pins:
        for cert in certs:
            if cert.sha256 not in pins:
                raise InputError(
                    cert.origin,
                    f"'{cert.common_name}' has fingerprint sha256:{cert.sha256}, which matches no --ca-fingerprint",
                    "check that this is the CA you meant, or pin this fingerprint",
                )
    findings: dict[str, list[LintFinding]] = {}
    for cert in certs:
        found = lint(cert, now, [c for c in certs if c is not cert])
        errors = [f for f in found if f.level == "error"]
        if errors:
            raise InputError(cert.origin, f"'{cert.common_name}' {errors[0].message}")
        findings[cert.sha256] = found
    return CASet(certs, findings)


def environ() -> dict[str, str]:
    return dict(os.environ)
