"""Where corporate CAs come from: ``--ca`` files and directories, ``$PIP_TLS_SETUP_CA``
text (how CI secrets arrive) and ``--ca-fingerprint`` pins."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pip_tls_setup.ca.certs import CACert, LintFinding, dedupe, lint, load_certificates
from pip_tls_setup.ca.pem import printable
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


MAX_CA_BYTES = 16 * 1024 * 1024
_TOO_LARGE = f"is larger than {MAX_CA_BYTES // (1024 * 1024)} MiB"
_TOO_LARGE_FIX = "a CA certificate is a few KiB: give the CA file itself, not a disk image, log or archive"
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
_NOT_REGULAR_FIX = "give a regular file with the CA certificate (PEM, DER or PKCS#7)"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_ca_file(path: Path, what: str | None = None, limit: int = MAX_CA_BYTES) -> bytes:
    """The bytes of a regular file (or a link to one), at most ``limit``; anything else is bad input.

    FIFOs, sockets and devices are refused before they are opened (a FIFO would block, a device
    never ends); the open is non-blocking and re-checked with fstat in case the path changed in
    between, and the size is enforced on what is read, not on what stat says.
    """
    shown = what or str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(
            shown, "does not exist" if not path.is_symlink() else "is a broken link", "check the --ca path"
        ) from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read ({exc.strerror})", "check the --ca path") from None
    if not stat.S_ISREG(mode):
        raise InputError(shown, f"is {_kind(mode)}, not a regular file", _NOT_REGULAR_FIX)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise InputError(shown, "is not readable", "check its permissions or run with more privilege") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read ({exc.strerror})", "check the --ca path") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(shown, f"is {_kind(mode)}, not a regular file", _NOT_REGULAR_FIX)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(shown, f"cannot be read ({exc.strerror})", "check the --ca path") from None
    if len(data) > limit:
        raise InputError(shown, _TOO_LARGE, _TOO_LARGE_FIX)
    return data


def _directory_files(path: Path) -> list[Path]:
    """The certificate-named entries of a --ca directory that are to be read (not subdirectories)."""
    files: list[Path] = []
    for entry in sorted(path.iterdir()):
        if entry.suffix.lower() not in CERT_SUFFIXES:
            continue
        try:
            if stat.S_ISDIR(os.stat(entry).st_mode):
                continue  # not recursive, as before
        except OSError:
            pass  # a broken link: read_ca_file names it
        files.append(entry)
    return files


def _from_path(raw: str) -> list[CACert]:
    if not raw.strip():
        raise InputError(f"--ca {raw!r}", "is an empty path", "give the CA certificate file or a directory of them")
    path = Path(raw)
    if path.is_dir():
        files = _directory_files(path)
        if not files:
            raise InputError(
                str(path),
                "is a directory without certificate files",
                f"put the CA there as one of {', '.join(CERT_SUFFIXES)}, or pass the file itself",
            )
        found: list[CACert] = []
        for file in files:
            found.extend(load_certificates(read_ca_file(file), str(file)))
        return found
    return load_certificates(read_ca_file(path), str(path))


def load(paths: Sequence[str], env: Mapping[str, str]) -> list[CACert]:
    """Every certificate of ``--ca`` paths and ``$PIP_TLS_SETUP_CA``, parsed strictly, deduplicated, not linted."""
    certs: list[CACert] = []
    for raw in paths:
        certs.extend(_from_path(raw))
    text = env.get(CA_ENV, "")
    if len(text) > MAX_CA_BYTES:
        raise InputError(f"${CA_ENV}", _TOO_LARGE, _TOO_LARGE_FIX)
    if text.strip():
        certs.extend(load_certificates(text.encode("utf-8", "replace"), f"${CA_ENV}"))
    return dedupe(certs)


def lint_all(certs: Sequence[CACert], now: datetime | None = None) -> dict[str, list[LintFinding]]:
    """Lint findings per fingerprint, in linear time (the issuer lookup uses one set of subjects)."""
    subjects = {c.cert.subject for c in certs}
    findings: dict[str, list[LintFinding]] = {}
    for cert in certs:
        if cert.sha256 not in findings:
            findings[cert.sha256] = lint(cert, now, subjects=subjects)
    return findings


def gather(
    paths: Sequence[str],
    env: Mapping[str, str],
    pins: set[str],
    now: datetime | None = None,
    extra: Sequence[CACert] = (),
) -> CASet:
    """Load, validate and pin-check every supplied CA. Raises InputError on the first problem."""
    certs = dedupe([*extra, *load(paths, env)])
    if pins:
        for cert in certs:
            if cert.sha256 not in pins:
                raise InputError(
                    cert.origin,
                    f"'{printable(cert.common_name)}' has fingerprint sha256:{cert.sha256}, "
                    "which matches no --ca-fingerprint",
                    "check that this is the CA you meant, or pin this fingerprint",
                )
    findings = lint_all(certs, now)
    for cert in certs:
        errors = [f for f in findings[cert.sha256] if f.level == "error"]
        if errors:
            raise InputError(cert.origin, f"'{printable(cert.common_name)}' {errors[0].message}")
    return CASet(certs, findings)
