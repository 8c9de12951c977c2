#!/usr/bin/env python3
"""Bring pip-tls-setup in while pip cannot yet verify TLS (the bootstrap problem).

Standard library only: this runs before anything is installed, on whatever ``python3`` the CI job,
the image or the workstation has. It

1. reads the corporate CA(s) the operator supplied ($PIP_TLS_SETUP_CA text, --ca-file paths; on GitLab
   also the runner's CI_SERVER_TLS_CA_FILE and ADDITIONAL_CA_CERT_BUNDLE with --runner-cas), accepts
   PEM, DER and PKCS#7, refuses private keys and anything that is not a certificate, and checks the
   SHA-256 pins in $PIP_TLS_SETUP_CA_FINGERPRINTS before trusting anything;
2. writes a temporary combined bundle (the OS bundle + those CAs) into a private temporary directory;
3. checks that the lock has wheels for this platform and Python (one line naming the way out if not);
4. installs the pinned dependencies with ``--require-hashes --only-binary :all:`` into a private venv,
   with verification on (``--cert`` = that bundle) and no pip configuration or PIP_* variable from
   the job (so no ``trusted-host`` can creep in), through the job's proxy; the venv is made without
   ensurepip and filled by this interpreter's own pip (``pip --python``) when it has pip >= 22.3;
5. adds the tool itself (copied from its source tree, or its wheel pinned by hash) and a launcher;
6. deletes the temporary bundle and prints the tool's path. It never prints a certificate, a key or
   a proxy password.

    python3 entrypoint/bootstrap.py install --ca-file corp.pem         # from a clone: ~/.local/share/...
    python3 bootstrap.py install [--venv DIR | --venv-cache DIR] [--lock FILE]
                                 [--tool-source SRC | --tool-sha256 HEX [--tool-index-url URL]]
                                 [--index-url URL] [--find-links DIR] [--no-index]
    python3 bootstrap.py bundle --out FILE

Exit codes: 0 ok, 1 the installation failed, 2 bad input (also: a platform the lock does not cover).
Errors are one line: ``pip-tls-setup: error: <what>: <problem>; <fix>``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import compileall
import contextlib
import hashlib
import ipaddress
import json
import os
import re
import shutil
import ssl
import stat
import subprocess
import sys
import tempfile
import unicodedata
import urllib.parse
import venv as venv_module
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

PROG = "pip-tls-setup bootstrap"
HERE = Path(__file__).resolve().parent
CA_ENV = "PIP_TLS_SETUP_CA"
CA_FILE_ENV = "PIP_TLS_SETUP_CA_FILE"
PINS_ENV = "PIP_TLS_SETUP_CA_FINGERPRINTS"
FIND_LINKS_ENV = "PIP_TLS_SETUP_FIND_LINKS"  # wheelhouse directories, like --find-links
# CAs a GitLab runner hands every job: the GitLab server's CA file (a path) and the bundle GitLab's
# own templates read (PEM text, or a path when the variable is of type File).
RUNNER_CA_FILE_ENV = "CI_SERVER_TLS_CA_FILE"
RUNNER_CA_BUNDLE_ENV = "ADDITIONAL_CA_CERT_BUNDLE"
READY = ".pip-tls-setup-ready"
TOOL_PACKAGE = "pip_tls_setup"
TOOL_NAME = "pip-tls-setup"
# pip's --python (run pip from this interpreter against another environment) exists since pip 22.3.
PIP_WITH_PYTHON_OPTION = (22, 3)
# First existing one is the OS bundle (Debian/Ubuntu/Alpine, RHEL/Fedora, SUSE, macOS/BSD).
OS_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/var/lib/ca-certificates/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "PIP_PROXY")
# Variables that would change how the bootstrap's pip verifies or where it looks; the bootstrap
# passes everything it needs explicitly.
DROPPED = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")
# Variables whose URL credentials are masked on GitHub before anything can print them.
MASKED_VARIABLES = (*PROXY_VARIABLES, "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX")
# A PEM marker; the label is bounded, so scanning is linear (no BEGIN (.*?) END \1 backtracking).
_PEM_MARKER = re.compile(rb"-----(BEGIN|END) ([A-Z0-9 ]{1,64})-----")
MAX_CA_BYTES = 16 * 1024 * 1024
_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2


class BootstrapError(Exception):
    def __init__(self, what: str, problem: str, fix: str = "", code: int = 2) -> None:
        self.code = code
        text = f"{what}: {problem}" if what else problem
        super().__init__(f"{text}; {fix}" if fix else text)


# ---------------------------------------------------------------- messages (GitHub-aware, never secret)


def on_github() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


# Like pip_tls_setup.escape (text, neutralise): what comes from outside (pip's output, an index's error
# page, file names) is printed as one visible line that no CI log treats as a command.
_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
_COMMAND_STARTS = ("::", "##[", "section_start:", "section_end:")


def _escape_char(char: str) -> str:
    code = ord(char)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` as one printable line: control characters, bidi overrides and surrogates escaped."""
    return "".join(
        _escape_char(c) if ord(c) in _BIDI or unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") else c for c in text
    )


def neutral_lines(block: str) -> str:
    """Each line printable; a line that would start a CI log command gets a visible prefix."""
    out = []
    for line in block.split("\n"):
        line = printable(line.rstrip("\r"))
        out.append("> " + line if line.lstrip().startswith(_COMMAND_STARTS) else line)
    return "\n".join(out)


# >>> shared with entrypoint/bootstrap.py: keep byte-identical (tests/unit/test_redact.py) >>>
MASK = "****"
# A URL (or a bare user:password@host) ends at whitespace, a quote or an angle bracket.
_TOKEN = re.compile(r"[^\s'\"<>`]+")
_AUTHORITY_END = re.compile(r"[/?#]")
# host[:port] up to the end of the authority: bracketed IPv6 or a name/IPv4, bounded lengths.
_HOST_PORT = re.compile(
    r"(?:\[[0-9A-Fa-f:.]{2,60}(?:%25[A-Za-z0-9._~-]{1,32})?\]|[A-Za-z0-9_][A-Za-z0-9_.-]{0,252})"
    r"(?::[0-9]{0,5})?(?=[/?#]|\Z)"
)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
# User names that are secrets themselves (GitHub, GitLab, PyPI tokens), or long random-looking ones.
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-", "pypi-")
_RANDOM_USER = re.compile(r"(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\Z")


def _host_follows(segment: str, at: int) -> bool:
    return _HOST_PORT.match(segment, at + 1) is not None


def _credentials_end(segment: str, parsable_only: bool = False) -> int:
    """Index of the ``@`` ending the credentials in ``segment`` (the text after ``://``), or -1."""
    last = segment.rfind("@")
    if last < 0:
        return -1
    found = _AUTHORITY_END.search(segment)
    authority_end = found.start() if found else len(segment)
    standard = segment.rfind("@", 0, authority_end)
    if _host_follows(segment, last):
        first = _AUTHORITY_END.search(segment, 0, last)
        if first is None or ":" in segment[: first.start()]:
            return last
        return standard  # an "@" in the path: the standard reading
    # The last "@" has no host after it. After a valid authority without "@" or ":" the "@"s are in
    # the path; otherwise the URL does not parse and everything up to its last "@" may be a password.
    if parsable_only or (standard < 0 and ":" not in segment[:authority_end] and _host_follows(segment, -1)):
        return -1
    return last


def _scheme_start(token: str, separator: int, floor: int) -> int:
    start = separator
    while start > floor and token[start - 1] in _SCHEME_CHARS:
        start -= 1
    return start


def _token_spans(token: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each credentials part inside one whitespace-free token."""
    separators = []
    position = token.find("://")
    while position >= 0:
        separators.append(position)
        position = token.find("://", position + 3)
    if not separators:  # user:password@host without a scheme (pip's --proxy takes it)
        offset = 0
        for piece in token.split("="):
            at = _credentials_end(piece, parsable_only=True)
            slash = piece.find("/", 0, max(at, 0))
            if at > 0 and piece.find(":", 0, at) > 0 and (slash < 0 or piece.find(":", 0, slash) > 0):
                yield offset, offset + at
            offset += len(piece) + 1
        return
    for index, separator in enumerate(separators):
        begin = separator + 3
        end = len(token)
        if index + 1 < len(separators):
            end = max(begin, _scheme_start(token, separators[index + 1], begin))
        at = _credentials_end(token[begin:end])
        if at > 0:
            yield begin, begin + at


def _credential_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _TOKEN.finditer(text):
        if "@" in match.group():
            for start, end in _token_spans(match.group()):
                yield match.start() + start, match.start() + end


def _token_like(user: str) -> bool:
    return user.startswith(_TOKEN_PREFIXES) or _RANDOM_USER.match(user) is not None


def _masked(credentials: str) -> str:
    user, colon, password = credentials.partition(":")
    if not colon:
        return MASK  # a bare token in the user part is a secret too
    if not password or _token_like(user):
        return f"{MASK}:{MASK}"
    return f"{user}:{MASK}"


def mask_url_credentials(text: str) -> str:
    """``text`` with the credentials of every URL in it masked (the user name stays unless it is a token)."""
    out: list[str] = []
    last = 0
    for start, end in _credential_spans(text):
        out.append(text[last:start])
        out.append(_masked(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def url_secrets(text: str) -> list[str]:
    """Every spelling of every URL credential in ``text``: as written, percent-decoded, Basic token."""
    found: dict[str, None] = {}
    for start, end in _credential_spans(text):
        user, colon, password = text[start:end].partition(":")
        values = [password] if password else []
        if not colon or not password or _token_like(user):
            values.insert(0, user)
        pairs = [(user, password)]
        for value in values:
            found[value] = None
            found[urllib.parse.unquote(value)] = None
        pairs.append((urllib.parse.unquote(user), urllib.parse.unquote(password)))
        for name, secret in pairs:
            found[base64.b64encode(f"{name}:{secret}".encode()).decode("ascii")] = None
    return [value for value in found if value]


# <<< shared with entrypoint/bootstrap.py <<<


def redact(text: str) -> str:
    return mask_url_credentials(text)


def mask_proxy_credentials(env: dict[str, str]) -> None:
    """``::add-mask::`` every spelling of every credential in a proxy or index URL, before anything can print it."""
    if not on_github():
        return
    for name in MASKED_VARIABLES:
        for secret in url_secrets(env.get(name, "")):
            # escaped like every workflow command value: a decoded "%0A" must not end the command
            print(f"::add-mask::{_escape(secret)}", flush=True)


def say(text: str) -> None:
    print(f"{PROG}: {printable(redact(text))}", file=sys.stderr, flush=True)


def show_tail(output: str, lines: int = 25) -> None:
    """The end of a failed command's output, redacted and neutralised."""
    tail = "\n".join(output.strip().splitlines()[-lines:])
    print(neutral_lines(redact(tail)), file=sys.stderr, flush=True)


def die(error: BootstrapError) -> NoReturn:
    message = printable(redact(str(error)))
    print(f"pip-tls-setup: error: {message}", file=sys.stderr, flush=True)
    if on_github():
        print(f"::error title=pip-tls-setup bootstrap::{_escape(message)}", flush=True)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(f"### pip-tls-setup: bootstrap failed\n\n{message}\n\n")
    raise SystemExit(error.code)


# ---------------------------------------------------------------- certificates (PEM, DER, PKCS#7)


def _der_item(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER item at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated")
    tag = data[offset]
    length = data[offset + 1]
    pos = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, item start, value start, value end) for each item in ``data[start:end]``."""
    items = []
    pos = start
    while pos < end:
        tag, vstart, vend = _der_item(data, pos)
        items.append((tag, pos, vstart, vend))
        pos = vend
    return items


def certificates_from_der(der: bytes) -> list[bytes]:
    """A DER certificate, or the certificates of a DER PKCS#7 (SignedData) bundle."""
    tag, vstart, vend = _der_item(der, 0)
    if tag != 0x30:
        raise ValueError("not a DER SEQUENCE")
    children = _children(der, vstart, vend)
    if children and children[0][0] == 0x06 and der[children[0][2] : children[0][3]] == _SIGNED_DATA:
        _, _, explicit_start, explicit_end = children[1]
        _, _, sd_start, sd_end = _children(der, explicit_start, explicit_end)[0]
        found: list[bytes] = []
        for ctag, _, set_start, set_end in _children(der, sd_start, sd_end):
            if ctag == 0xA0:  # [0] IMPLICIT SET OF Certificate
                found.extend(der[item:end] for _, item, _, end in _children(der, set_start, set_end))
        return found
    return [der[:vend]]


def pem_blocks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The complete (label, body) PEM blocks of ``data``, in one left-to-right pass over its markers."""
    blocks: list[tuple[bytes, bytes]] = []
    open_label: bytes | None = None
    body_start = 0
    for marker in _PEM_MARKER.finditer(data):
        kind, label = marker.group(1), marker.group(2)
        if kind == b"BEGIN":
            open_label, body_start = label, marker.end()  # a BEGIN inside a block truncates that block
        elif label == open_label:
            blocks.append((label, data[body_start : marker.start()]))
            open_label = None
    return blocks


def parse_certificates(data: bytes, origin: str) -> list[bytes]:
    """DER certificates from PEM (one or many, PKCS#7 too), DER or DER PKCS#7 input."""
    if not data.strip():
        raise BootstrapError(origin, "is empty", "supply the corporate CA certificate (PEM, DER or PKCS#7)")
    blocks = pem_blocks(data)
    if any(b"PRIVATE KEY" in label for label, _ in blocks) or b"PRIVATE KEY-----" in data:
        raise BootstrapError(
            origin,
            "contains a private key (its content is not shown)",
            "supply only the CA certificate, and rotate the key if it left its safe place",
        )
    found: list[bytes] = []
    if blocks:
        for label, body in blocks:
            if label not in (b"CERTIFICATE", b"TRUSTED CERTIFICATE", b"X509 CERTIFICATE", b"PKCS7", b"CMS"):
                continue
            try:
                der = base64.b64decode(b"".join(body.split()), validate=True)
                certs = certificates_from_der(der)
            except (binascii.Error, ValueError, IndexError):
                raise BootstrapError(origin, "has a damaged PEM block", "export the CA again as PEM") from None
            found.extend(certs)
        if not found:
            raise BootstrapError(origin, "has no CERTIFICATE block", "supply the CA certificate in PEM form")
    else:
        try:
            found = certificates_from_der(data)
        except (ValueError, IndexError):
            raise BootstrapError(
                origin, "is not a certificate (not PEM, DER or PKCS#7)", "export the CA as PEM or DER"
            ) from None
    for der in found:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            context.load_verify_locations(cadata=der)
        except (ssl.SSLError, ValueError):
            raise BootstrapError(origin, "holds data that is not an X.509 certificate", "export the CA again") from None
    return found


def parse_pins(text: str) -> set[str]:
    pins = set()
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        value = re.sub(r"^sha-?256:", "", item.lower())
        value = value.replace(":", "")
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise BootstrapError(
                f"${PINS_ENV}", f"'{item[:80]}' is not a SHA-256 fingerprint", "write each as sha256:<64 hex digits>"
            )
        pins.add(value)
    return pins


_TOO_LARGE = f"is larger than {MAX_CA_BYTES // (1024 * 1024)} MiB"
_TOO_LARGE_FIX = "a CA certificate is a few KiB: give the CA file itself"


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_regular(path: Path, limit: int = MAX_CA_BYTES) -> bytes:
    """A regular file (or a link to one), at most ``limit`` bytes counted on what is read.

    FIFOs, sockets and devices are refused before they are opened (a FIFO would block, a device
    never ends); the open is non-blocking and re-checked with fstat.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise BootstrapError(str(path), "does not exist", "check the CA file path") from None
    except OSError as exc:
        raise BootstrapError(str(path), f"cannot be read ({exc.strerror})", "check its permissions") from None
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    if stat.S_ISREG(mode):
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            raise BootstrapError(str(path), f"cannot be read ({exc.strerror})", "check its permissions") from None
        with os.fdopen(fd, "rb") as handle:
            if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                data = handle.read(limit + 1)
                if len(data) > limit:
                    raise BootstrapError(str(path), _TOO_LARGE, _TOO_LARGE_FIX)
                return data
    raise BootstrapError(str(path), "is not a regular file (a FIFO, socket or device)", "give the CA certificate file")


def env_list(text: str) -> list[str]:
    """A list in a variable: a JSON array (a GitLab ``type: array`` input), else one item per line or comma."""
    if text.strip().startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(item).strip() for item in items if str(item).strip()]
    return [item.strip() for item in re.split(r"[\n,]+", text) if item.strip()]


def corporate_cas(env: dict[str, str], files: list[str]) -> list[bytes]:
    certs: list[bytes] = []
    text = env.get(CA_ENV, "")
    paths = list(files) + env_list(env.get(CA_FILE_ENV, ""))
    if text.strip() and "-----BEGIN" not in text and "\n" not in text.strip() and Path(text.strip()).is_file():
        paths.append(text.strip())  # a GitLab File-type variable holds the path of a file with the PEM
    elif text.strip():
        certs.extend(parse_certificates(text.encode("utf-8", "replace"), f"${CA_ENV}"))
    for raw in paths:
        path = Path(raw.strip())
        if not raw.strip():
            raise BootstrapError(repr(raw), "is an empty CA file path", "give the CA certificate file")
        if path.is_dir():  # every regular file in it (FIFOs, devices and sockets are never opened)
            parts: list[bytes] = []
            for entry in sorted(path.iterdir()):
                if _is_regular(entry):
                    parts.append(read_regular(entry, MAX_CA_BYTES - sum(map(len, parts))))
            data = b"".join(parts)
        else:
            data = read_regular(path)
        certs.extend(parse_certificates(data, str(path)))
    unique: dict[str, bytes] = {}
    for der in certs:
        unique.setdefault(hashlib.sha256(der).hexdigest(), der)
    pins = parse_pins(env.get(PINS_ENV, ""))
    if pins:
        for digest in unique:
            if digest not in pins:
                raise BootstrapError(
                    "corporate CA",
                    f"has fingerprint sha256:{digest}, which matches no pinned fingerprint",
                    f"check that this is the CA you meant, or pin it in ${PINS_ENV}",
                )
    return list(unique.values())


def os_bundle() -> tuple[bytes, str]:
    for candidate in OS_BUNDLES:
        path = Path(candidate)
        if path.is_file():
            data = path.read_bytes()
            if b"BEGIN CERTIFICATE" in data:
                return data, candidate
    cafile = ssl.get_default_verify_paths().cafile
    if cafile and Path(cafile).is_file():
        return Path(cafile).read_bytes(), cafile
    context = ssl.create_default_context()
    context.load_default_certs()
    ders = context.get_ca_certs(binary_form=True)
    if ders:
        return "".join(ssl.DER_cert_to_PEM_cert(d) for d in ders).encode("ascii"), "the system store (ssl module)"
    raise BootstrapError(
        "OS trust store",
        "has no public root certificates",
        "install the ca-certificates package (or its equivalent) in this image",
    )


def write_bundle(path: Path, cas: list[bytes]) -> str:
    base, source = os_bundle()
    corporate = "".join(ssl.DER_cert_to_PEM_cert(d) for d in cas).encode("ascii")
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base.rstrip(b"\n") + b"\n" + corporate)
    return source


# ---------------------------------------------------------------- the runner's own CAs (GitLab)


def _runner_sources(env: dict[str, str]) -> list[tuple[str, bytes]]:
    """(origin, data) of the CAs a GitLab runner hands the job, when present."""
    found: list[tuple[str, bytes]] = []
    path = env.get(RUNNER_CA_FILE_ENV, "").strip()
    if path:
        found.append((f"${RUNNER_CA_FILE_ENV} ({path})", read_regular(Path(path))))
    bundle = env.get(RUNNER_CA_BUNDLE_ENV, "")
    if bundle.strip() and "-----BEGIN" not in bundle and "\n" not in bundle.strip():
        found.append((f"${RUNNER_CA_BUNDLE_ENV} ({bundle.strip()})", read_regular(Path(bundle.strip()))))
    elif bundle.strip():
        found.append((f"${RUNNER_CA_BUNDLE_ENV}", bundle.encode("utf-8", "replace")))
    return found


def runner_cas(env: dict[str, str]) -> list[bytes]:
    """The runner's CAs, validated like the operator's; with pins, a runner CA no pin names is left out.

    The operator did not hand these over explicitly, so an unpinned one is skipped with a line saying
    so instead of failing the job: it is never trusted either way.
    """
    pins = parse_pins(env.get(PINS_ENV, ""))
    kept: list[bytes] = []
    for origin, data in _runner_sources(env):
        for der in parse_certificates(data, origin):
            digest = hashlib.sha256(der).hexdigest()
            if pins and digest not in pins:
                say(f"{origin}: left out sha256:{digest}: it matches no pinned fingerprint (${PINS_ENV})")
            elif der not in kept:
                kept.append(der)
    return kept


# ---------------------------------------------------------------- index and proxy (never plain HTTP)


def is_secure_origin(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("https", "file"):
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def pip_config(python: str, env: dict[str, str]) -> dict[str, str]:
    """``pip config list`` of the job's own pip (read-only), e.g. {'global.index-url': '...'}."""
    try:
        done = subprocess.run(
            [python, "-m", "pip", "config", "list"], capture_output=True, text=True, env=env, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return {}
    values = {}
    for line in done.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("'\"")
    return values


def _plain_http(origin: str, url: str) -> BootstrapError:
    return BootstrapError(
        origin,
        f"is a plain-HTTP index ({redact(url)}): packages could be swapped on the wire",
        "serve the index over HTTPS; pip-tls-setup supplies the CA that makes HTTPS verify",
    )


def choose_index(explicit: str | None, env: dict[str, str], config: dict[str, str]) -> str | None:
    """The index the job's pip would use: --index-url, $PIP_INDEX_URL, pip config, else pip's default (None)."""
    candidates = [
        ("--index-url", explicit),
        ("$PIP_INDEX_URL", env.get("PIP_INDEX_URL")),
        ("pip config install.index-url", config.get("install.index-url")),
        ("pip config global.index-url", config.get("global.index-url")),
    ]
    for origin, value in candidates:
        if value and value.strip():
            url = value.split()[0]
            if not is_secure_origin(url):
                raise _plain_http(origin, url)
            return url
    return None


def choose_proxy(env: dict[str, str], config: dict[str, str]) -> str | None:
    """pip's own proxy setting ($PIP_PROXY, pip config); the environment's proxies reach pip anyway."""
    for value in (env.get("PIP_PROXY"), config.get("install.proxy"), config.get("global.proxy")):
        if value and value.strip():
            return value.strip()
    return None


def gitlab_registry_url(project: str, env: dict[str, str]) -> str:
    """The PyPI endpoint of a GitLab project's package registry, with the job token when the job has one.

    ``$CI_API_V4_URL/projects/<id or URL-encoded path>/packages/pypi/simple`` (GitLab's documented form);
    the job token authenticates as user ``gitlab-ci-token``.
    """
    name = project.strip().strip("/")
    if not name:
        raise BootstrapError(
            "--gitlab-registry",
            "is empty",
            "give the component project's path (group/project) or numeric id, or an index-url",
        )
    api = env.get("CI_API_V4_URL", "").strip().rstrip("/")
    if not api:
        raise BootstrapError(
            "--gitlab-registry", "needs $CI_API_V4_URL", "run it in a GitLab CI job, or give --tool-index-url"
        )
    url = f"{api}/projects/{urllib.parse.quote(name, safe='')}/packages/pypi/simple"
    if not is_secure_origin(url):
        raise _plain_http("$CI_API_V4_URL", url)
    token = env.get("CI_JOB_TOKEN", "")
    if token:
        parts = urllib.parse.urlsplit(url)
        netloc = f"gitlab-ci-token:{urllib.parse.quote(token, safe='')}@{parts.netloc}"
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


# ---------------------------------------------------------------- the lock and the platforms it covers


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


_LOCK_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*(.*?))?\s*(?:--hash\S*\s*)*$")
_WHEEL_COMMENT = re.compile(r"^#\s+(\S+\.whl)\s*$")
_COVERS_COMMENT = re.compile(r"^#\s*Covers:\s*(.+?)\s*$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(text: str) -> list[Pin]:
    """The ``name==version ; marker`` requirements of a hashed lock (continuation lines joined)."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        if (current + raw).strip():
            logical.append(current + raw)
        current = ""
    pins = []
    for line in logical:
        spec = re.sub(r"--hash[= ]\S+", "", line).strip()
        match = _LOCK_LINE.match(spec)
        if match:
            pins.append(Pin(match.group(1), match.group(2), (match.group(3) or "").strip()))
    return pins


def lock_wheels(text: str) -> dict[str, list[str]]:
    """``name==version`` (normalized) -> the wheel files the lock's hashes belong to (``# <file>.whl`` lines)."""
    found: dict[str, list[str]] = {}
    for raw in text.splitlines():
        match = _WHEEL_COMMENT.match(raw.strip())
        if match:
            parts = match.group(1)[:-4].split("-")
            if len(parts) >= 5:
                found.setdefault(f"{normalize(parts[0])}=={parts[1]}", []).append(match.group(1))
    return found


def wheel_tags(filename: str) -> set[str]:
    """The ``python-abi-platform`` tags of a wheel file name, compressed tag sets expanded."""
    python, abi, platform = filename[:-4].split("-")[-3:]
    return {f"{p}-{a}-{t}" for p in python.split(".") for a in abi.split(".") for t in platform.split(".")}


def lock_covers(text: str) -> str:
    for raw in text.splitlines():
        match = _COVERS_COMMENT.match(raw.strip())
        if match:
            return match.group(1)
    return ""


# Asked of the interpreter whose pip installs: pip's own tag and marker logic decides what it will accept.
FACTS_SCRIPT = r"""
import json, sys
out = {"pip": None, "tags": [], "markers": []}
try:
    import pip
    from pip._vendor.packaging import markers, tags
except Exception:
    print(json.dumps(out))
    raise SystemExit(0)
out["pip"] = pip.__version__
out["tags"] = [str(tag) for tag in tags.sys_tags()]
for text in json.loads(sys.argv[1]):
    try:
        out["markers"].append(markers.Marker(text).evaluate() if text else True)
    except Exception:
        out["markers"].append(True)
print(json.dumps(out))
"""


@dataclass
class Facts:
    """What an interpreter's pip says about itself: its version, the wheel tags it accepts, the lock's markers."""

    pip: tuple[int, ...] | None = None
    tags: list[str] = field(default_factory=list)
    markers: list[bool] = field(default_factory=list)


def _version_tuple(text: str) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", text.split("+")[0])[:3]
    return tuple(int(n) for n in numbers)


def platform_facts(python: str, env: dict[str, str], markers: list[str]) -> Facts:
    try:
        done = subprocess.run(
            [python, "-c", FACTS_SCRIPT, json.dumps(markers)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        data = json.loads(done.stdout)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return Facts()
    if not isinstance(data, dict) or not data.get("pip"):
        return Facts()
    return Facts(_version_tuple(str(data["pip"])), [str(t) for t in data["tags"]], [bool(m) for m in data["markers"]])


UNCOVERED_FIX = (
    "pin an older pip-tls-setup release whose lock covers it, or build those wheels, list their hashes in a lock of "
    "your own (--lock FILE) and give them with --find-links DIR"
)


@dataclass
class Coverage:
    """Which pinned requirements have a wheel for this interpreter, from the wheel names the lock lists."""

    text: str
    pins: list[Pin]
    facts: Facts = field(default_factory=Facts)

    def missing(self) -> list[Pin]:
        wheels = lock_wheels(self.text)
        if not wheels or not self.facts.tags:
            return []  # a lock without wheel names (an operator's own), or no pip to ask: pip decides
        accepted = set(self.facts.tags)
        applies = self.facts.markers or [True] * len(self.pins)
        gaps = []
        for pin, needed in zip(self.pins, applies):
            files = wheels.get(f"{normalize(pin.name)}=={pin.version}")
            if needed and files is not None and not any(wheel_tags(name) & accepted for name in files):
                gaps.append(pin)
        return gaps

    def error(self, gaps: list[Pin]) -> BootstrapError:
        covers = lock_covers(self.text)
        fix = UNCOVERED_FIX + (f" (the lock covers {covers})" if covers else "")
        names = ", ".join(pin.spec for pin in gaps)
        return BootstrapError(f"this platform ({self.facts.tags[0]})", f"the lock has no wheel of {names} for it", fix)

    def check(self) -> None:
        gaps = self.missing()
        if gaps:
            raise self.error(gaps)


# ---------------------------------------------------------------- what pip's failures mean


_NO_MATCH = re.compile(
    r"(?:No matching distribution found for|Could not find a version that satisfies the requirement) "
    r"([A-Za-z0-9][A-Za-z0-9._-]*)===?([A-Za-z0-9.+!_-]+)"
)
_HASH_MISMATCH = "DO NOT MATCH THE HASHES"
# "    name==version from URL (from -r FILE (line 1)):" then the expected and the actual sha256
_HASH_ENTRY = re.compile(r"^\s+([A-Za-z0-9][A-Za-z0-9._-]*==\S+) from (\S+?)(?: \(from .*\))?:?\s*$", re.M)
MISSING_FIX = (
    "mirror that version there, or give --find-links DIR or --index-url URL with the locked files "
    "(their hashes are still checked)"
)
_UNVERIFIED = "CERTIFICATE_VERIFY_FAILED"
# pip could not read the index at all: "no matching distribution" then says nothing about the mirror
_FETCH_FAILED = ("Could not fetch URL", "ProxyError", "Max retries exceeded", "NewConnectionError", "SSLError")
UNVERIFIED_FIX = "give the corporate CA that signs it: --ca-file FILE, or $PIP_TLS_SETUP_CA"
MISMATCH_FIX = "install only the files the release pins: check the index or wheelhouse that served it"


def pip_failure(output: str, coverage: Coverage, where: str) -> BootstrapError | None:
    """One line for the failures people meet: an uncovered platform, a missing pinned version, a wrong hash."""
    if _UNVERIFIED in output:
        return BootstrapError(
            where,
            "presents a certificate no CA in the bundle signs (CERTIFICATE_VERIFY_FAILED)",
            UNVERIFIED_FIX,
            code=1,
        )
    missing = _NO_MATCH.findall(output)
    if missing and not any(sign in output for sign in _FETCH_FAILED):
        gaps = coverage.missing()
        if gaps:
            return coverage.error(gaps)
        specs = ", ".join(dict.fromkeys(f"{name}=={version}" for name, version in missing))
        return BootstrapError(where, f"has no {specs} (pinned by the lock)", MISSING_FIX, code=1)
    if _HASH_MISMATCH in output:
        entries = _HASH_ENTRY.findall(output)
        what = ", ".join(f"{spec} from {redact(url.split('#', 1)[0])}" for spec, url in entries) or "a downloaded file"
        return BootstrapError(
            what, "does not match the sha256 pinned for it (tampered with, or another build)", MISMATCH_FIX, code=1
        )
    return None


# ---------------------------------------------------------------- the private venv


def venv_python(venv: Path) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def tool_path(venv: Path) -> Path:
    """The tool's executable: pip's console script for a wheel, the bootstrap's launcher for a source copy."""
    if os.name == "nt":
        exe = venv / "Scripts" / f"{TOOL_NAME}.exe"
        return exe if exe.exists() else venv / "Scripts" / f"{TOOL_NAME}.cmd"
    return venv / "bin" / TOOL_NAME


def default_venv(env: dict[str, str], windows: bool = os.name == "nt") -> Path:
    """Where a workstation install lives: %LOCALAPPDATA%, else $XDG_DATA_HOME, else ~/.local/share."""
    if windows:
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / TOOL_NAME / "venv"
    home = env.get("HOME") or str(Path.home())
    data = env.get("XDG_DATA_HOME") or str(Path(home) / ".local" / "share")
    return Path(data) / TOOL_NAME / "venv"


def run(argv: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        show_tail(done.stdout + done.stderr)
        raise BootstrapError(what, f"failed (exit {done.returncode}, output above)", "see the output above", code=1)
    return done.stdout


def pip_env(env: dict[str, str], bundle: Path) -> dict[str, str]:
    clean = {k: v for k, v in env.items() if not k.upper().startswith("PIP_") and k not in DROPPED}
    clean.update(
        {
            "PIP_CONFIG_FILE": os.devnull,  # no pip config file at all: nothing can turn verification off
            "SSL_CERT_FILE": str(bundle),  # what pip's truststore path (OpenSSL defaults) reads
            "PYTHONNOUSERSITE": "1",
        }
    )
    return clean


def clear_venv(venv: Path) -> None:
    """Remove an outdated venv; never a directory that is not one (a mistyped --venv)."""
    if not venv.exists() and not venv.is_symlink():
        return
    if venv.is_dir() and not venv.is_symlink() and ((venv / "pyvenv.cfg").is_file() or not any(venv.iterdir())):
        shutil.rmtree(venv)
        return
    raise BootstrapError(str(venv), "exists and is not a venv", "choose another --venv, or remove it yourself")


def make_venv(venv: Path, env: dict[str, str], with_pip: bool) -> Path:
    """The venv, without ensurepip when this interpreter's pip will fill it (in-process: no extra start-up)."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    if not with_pip:
        venv_module.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(str(venv))
        return venv_python(venv)
    done = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BootstrapError(
            f"{sys.executable} -m venv",
            f"failed ({printable(redact(detail))[:200]})",
            "install pip or the venv module (Debian/Ubuntu: apt-get install python3-venv), or use the single file",
            code=1,
        )
    return venv_python(venv)


def purelib(interpreter: Path, env: dict[str, str]) -> Path:
    out = run([str(interpreter), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env, "venv")
    return Path(out.strip())


@contextlib.contextmanager
def build_lock(venv: Path) -> Iterator[None]:
    """One builder per venv: two jobs on one machine share a tool cache."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    continue
        else:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


# ---------------------------------------------------------------- the tool itself


@dataclass
class Tool:
    """Where the tool comes from: a wheel pinned by hash (from an index), or a copy of its source tree."""

    lines: str = ""  # the hashed requirement of the wheel
    source: Path | None = None
    digest: str = ""  # of the source tree (part of the venv's identity)
    index: str | None = None  # an extra index holding the tool's wheel (e.g. a GitLab package registry)


def default_source() -> Path | None:
    """A clone or source archive: ``src/`` next to ``entrypoint/``."""
    candidate = HERE.parent / "src"
    return candidate if (candidate / TOOL_PACKAGE / "__init__.py").is_file() else None


def tree_digest(package: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def tool_from_args(args: argparse.Namespace, env: dict[str, str]) -> Tool:
    if args.tool_sha256 is not None:
        value = args.tool_sha256.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise BootstrapError(
                "--tool-sha256",
                f"'{printable(value)[:70]}' is not 64 hex digits",
                "copy the wheel's sha256 from the release notes (only a release tag carries a real default)",
            )
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+", args.tool_requirement):
            raise BootstrapError("--tool-requirement", "is not name==version", "write e.g. pip-tls-setup==1.0.0")
        index = args.tool_index_url or (
            gitlab_registry_url(args.gitlab_registry, env) if args.gitlab_registry else None
        )
        if index and not is_secure_origin(index):
            raise _plain_http("--tool-index-url", index)
        return Tool(lines=f"{args.tool_requirement} --hash=sha256:{value}\n", index=index)
    source = Path(args.tool_source) if args.tool_source else default_source()
    if source is None:
        raise BootstrapError(
            "--tool-sha256",
            "is missing: the tool's wheel would be installed without a hash",
            "give the sha256 of the pip-tls-setup wheel (from its release notes), or run this from a clone",
        )
    package = source.resolve() / TOOL_PACKAGE
    if not (package / "__init__.py").is_file():
        raise BootstrapError(str(source), "has no pip_tls_setup package", "pass the tool's src directory")
    return Tool(source=source.resolve(), digest=tree_digest(package))


def tool_version(package: Path) -> str:
    match = re.search(r'__version__\s*=\s*"([^"]+)"', (package / "__init__.py").read_text(encoding="utf-8"))
    return match.group(1) if match else "0"


def install_source(source: Path, interpreter: Path, env: dict[str, str]) -> None:
    """Copy the package into the venv (the venv outlives the clone) with byte code and metadata."""
    site = purelib(interpreter, env)
    target = site / TOOL_PACKAGE
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source / TOOL_PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    compileall.compile_dir(str(target), quiet=1)  # the venv runs this very interpreter: its byte code is valid
    version = tool_version(target)
    dist = site / f"{TOOL_PACKAGE}-{version}.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {TOOL_NAME}\nVersion: {version}\n", encoding="utf-8")
    (dist / "INSTALLER").write_text("pip-tls-setup bootstrap\n", encoding="utf-8")
    files = [p.relative_to(site).as_posix() for p in sorted(target.rglob("*")) if p.is_file()]
    files += [f"{dist.name}/{name}" for name in ("METADATA", "INSTALLER", "RECORD")]
    (dist / "RECORD").write_text("".join(f"{name},,\n" for name in files), encoding="utf-8")


def write_launcher(venv: Path, interpreter: Path) -> Path:
    """A console script for the source copy (pip writes one for the wheel)."""
    path = tool_path(venv)
    if os.name == "nt":
        path.write_text('@"%~dp0python.exe" -m pip_tls_setup %*\r\n', encoding="utf-8")
        return path
    quoted = "'" + str(interpreter).replace("'", "'\"'\"'") + "'"
    # sh runs the exec line; Python reads it as a string literal (the form pip uses for long paths)
    path.write_text(
        f"#!/bin/sh\n'''exec' {quoted} \"$0\" \"$@\"\n' '''\n"
        "import sys\nfrom pip_tls_setup.cli import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


# ---------------------------------------------------------------- install


def venv_identity(lock: bytes, tool: Tool) -> str:
    """What the venv was built from: the lock, the tool, this interpreter and this script."""
    digest = hashlib.sha256()
    for part in (lock, tool.lines.encode(), tool.digest.encode(), sys.version.encode()):
        digest.update(part + b"\0")
    digest.update(os.path.realpath(sys.executable).encode() + b"\0")
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def is_ready(venv: Path, identity: str) -> bool:
    ready = venv / READY
    try:
        return ready.read_text().strip() == identity and venv_python(venv).exists() and tool_path(venv).exists()
    except OSError:
        return False


@dataclass
class Job:
    """Everything one build needs."""

    args: argparse.Namespace
    env: dict[str, str]
    lock: Path
    lock_text: str
    tool: Tool
    cas: list[bytes]
    venv: Path


def require_python() -> None:
    if sys.version_info < (3, 9):  # noqa: UP036 - runs on whatever Python the job has
        raise BootstrapError(
            sys.executable, f"is Python {sys.version.split()[0]}", "pip-tls-setup needs Python 3.9 or newer"
        )


def read_lock(path: str) -> tuple[Path, str]:
    lock = Path(path)
    if not lock.is_file():
        raise BootstrapError(str(lock), "does not exist", "pass the lock file shipped with pip-tls-setup")
    return lock, lock.read_text(encoding="utf-8")


def install(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    mask_proxy_credentials(env)
    require_python()
    lock, lock_text = read_lock(args.lock)
    args.find_links = [*args.find_links, *env_list(env.get(FIND_LINKS_ENV, ""))]
    if args.no_index and not args.find_links:
        raise BootstrapError("--no-index", "needs --find-links DIR", "give the wheelhouse with --find-links")
    tool = tool_from_args(args, env)
    mask_proxy_credentials({"PIP_EXTRA_INDEX_URL": tool.index or ""})
    cas = corporate_cas(env, args.ca_file)
    if args.runner_cas:
        cas += [der for der in runner_cas(env) if der not in cas]
    identity = venv_identity(lock_text.encode("utf-8"), tool)
    if args.venv:
        venv = Path(args.venv).absolute()
    elif args.venv_cache:
        venv = Path(args.venv_cache).absolute() / identity[:16]
    else:
        venv = default_venv(env)
    with build_lock(venv):
        if is_ready(venv, identity):
            say(f"reusing {venv}")
            return finish(venv)
        build(Job(args, env, lock, lock_text, tool, cas, venv))
        (venv / READY).write_text(identity + "\n", encoding="utf-8")
    say(f"pip-tls-setup is ready in {venv}")
    return finish(venv)


def pip_argv(job: Job, prefix: list[str], bundle: Path, index: str | None, proxy: str | None) -> list[str]:
    argv = [*prefix, "--isolated", "--no-input", "--disable-pip-version-check"]
    argv += ["install", "--no-cache-dir", "--require-hashes", "--only-binary", ":all:", "--no-deps"]
    argv += ["--cert", str(bundle)]
    if job.args.no_index:
        argv.append("--no-index")
    else:
        argv += ["--index-url", index] if index else []
        argv += ["--extra-index-url", job.tool.index] if job.tool.index else []
    for directory in job.args.find_links:
        argv += ["--find-links", str(Path(directory).absolute())]
    if proxy:
        argv += ["--proxy", proxy]
    return [*argv, "-r", str(job.lock)]


def prepare_venv(job: Job, clean: dict[str, str]) -> tuple[Path, list[str], Coverage]:
    """The lock checked against this platform, then an empty venv and the pip command that fills it."""
    coverage = Coverage(job.lock_text, lock_pins(job.lock_text))
    coverage.facts = platform_facts(sys.executable, clean, [pin.marker for pin in coverage.pins])
    coverage.check()
    outer = coverage.facts.pip is not None and coverage.facts.pip >= PIP_WITH_PYTHON_OPTION
    clear_venv(job.venv)
    interpreter = make_venv(job.venv, clean, with_pip=not outer)
    if outer:
        return interpreter, [sys.executable, "-m", "pip", "--python", str(interpreter)], coverage
    # the venv's own pip (ensurepip): ask it too, now that there is one
    coverage.facts = platform_facts(str(interpreter), clean, [pin.marker for pin in coverage.pins])
    coverage.check()
    return interpreter, [str(interpreter), "-m", "pip"], coverage


def sources_text(job: Job, index: str | None) -> str:
    where = " and ".join(redact(url) for url in (index, job.tool.index) if url) or "pip's default index"
    if job.args.no_index:
        return ", ".join(job.args.find_links)
    return f"{where} and {', '.join(job.args.find_links)}" if job.args.find_links else where


def run_pip(argv: list[str], clean: dict[str, str], coverage: Coverage, where: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=clean, check=False)
    if done.returncode == 0:
        return
    known = pip_failure(done.stdout + done.stderr, coverage, where)
    if known is not None:
        raise known
    show_tail(done.stdout + done.stderr)
    raise BootstrapError(
        "pip install --require-hashes", f"failed (exit {done.returncode}, output above)", "see the output above", 1
    )


def install_pinned(job: Job, bundle: Path, clean: dict[str, str], pool: ThreadPoolExecutor) -> Path:
    """The venv with the locked dependencies and the tool, hash-checked, verification on.

    What does not depend on each other runs at the same time: reading the job's pip config with checking
    the platform and making the venv; copying and compiling the tool's source with pip's install.
    """
    config = pool.submit(pip_config, sys.executable, {k: v for k, v in job.env.items() if k not in DROPPED})
    interpreter, prefix, coverage = prepare_venv(job, clean)
    copied = pool.submit(install_source, job.tool.source, interpreter, clean) if job.tool.source else None
    settings = config.result()
    index = choose_index(job.args.index_url, job.env, settings)
    proxy = choose_proxy(job.env, settings)
    mask_proxy_credentials({"PIP_INDEX_URL": index or "", "PIP_PROXY": proxy or ""})  # from --index-url, pip config
    argv = pip_argv(job, prefix, bundle, index, proxy)
    if job.tool.lines:
        tool_file = bundle.parent / "tool.txt"
        tool_file.write_text(job.tool.lines, encoding="utf-8")
        argv += ["-r", str(tool_file)]
    where = sources_text(job, index)
    say(f"installing the pinned dependencies (hash-checked) from {where}")
    run_pip(argv, clean, coverage, where)
    if copied is not None:
        copied.result()
    return interpreter


def build(job: Job) -> None:
    temp = Path(tempfile.mkdtemp(prefix="pip-tls-setup-bootstrap-"))
    try:
        bundle = temp / "bundle.pem"
        source = write_bundle(bundle, job.cas)
        say(f"temporary bundle: public roots from {source} + {len(job.cas)} corporate CA(s)")
        clean = pip_env(job.env, bundle)
        with ThreadPoolExecutor(max_workers=2) as pool:
            interpreter = install_pinned(job, bundle, clean, pool)
        if job.tool.source is not None:
            write_launcher(job.venv, interpreter)
        run(
            [str(interpreter), "-c", "import pip_tls_setup.cli, cryptography.x509, yaml, certifi"],
            clean,
            "import check",
        )
    except BaseException:
        shutil.rmtree(job.venv, ignore_errors=True)  # never leave a half-built venv to be reused
        raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def finish(venv: Path) -> int:
    print(tool_path(venv), flush=True)
    return 0


def bundle_only(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    mask_proxy_credentials(env)
    cas = corporate_cas(env, args.ca_file)
    source = write_bundle(Path(args.out), cas)
    say(f"wrote {args.out}: public roots from {source} + {len(cas)} corporate CA(s)")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="install pip-tls-setup into a private venv (hash-pinned); print its path")
    where = inst.add_mutually_exclusive_group()
    where.add_argument("--venv", help="the private venv (default: ~/.local/share/pip-tls-setup/venv)")
    where.add_argument("--venv-cache", help="a directory for venvs keyed by the lock, tool and Python (reused)")
    inst.add_argument("--lock", default=str(HERE / "requirements.lock"), help="hash-pinned requirements")
    inst.add_argument("--tool-source", help="copy the tool from its source tree (SRC containing pip_tls_setup/)")
    inst.add_argument("--tool-requirement", default=TOOL_NAME, help="the tool's requirement (name==version)")
    inst.add_argument("--tool-sha256", help="install the tool's wheel pinned by this sha256")
    inst.add_argument("--tool-index-url", help="an extra index holding the tool's wheel (hash-checked)")
    inst.add_argument("--gitlab-registry", metavar="PROJECT", help="the tool's wheel from this project's registry")
    inst.add_argument("--index-url", help="package index (default: the job's pip index)")
    inst.add_argument("--find-links", action="append", default=[], metavar="DIR", help="a wheelhouse (hash-checked)")
    inst.add_argument("--no-index", action="store_true", help="only the --find-links wheelhouses")
    inst.add_argument("--ca-file", action="append", default=[], help="corporate CA file (PEM, DER, PKCS#7)")
    inst.add_argument("--runner-cas", action="store_true", help="also the runner's CAs ($CI_SERVER_TLS_CA_FILE, ...)")
    bun = sub.add_parser("bundle", help="write the temporary combined bundle only")
    bun.add_argument("--out", required=True)
    bun.add_argument("--ca-file", action="append", default=[])
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "bundle":
            return bundle_only(args)
        return install(args)
    except BootstrapError as error:
        die(error)


if __name__ == "__main__":
    raise SystemExit(main())
