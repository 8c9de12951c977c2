#!/usr/bin/env python3
"""Bring pip-tls-setup in while pip cannot yet verify TLS (the bootstrap problem).

Standard library only: this runs before anything is installed, on whatever ``python3`` the CI job
or image has. It

1. reads the corporate CA(s) the operator supplied ($PIP_TLS_SETUP_CA text, --ca-file paths), accepts
   PEM, DER and PKCS#7, refuses private keys and anything that is not a certificate, and checks the
   SHA-256 pins in $PIP_TLS_SETUP_CA_FINGERPRINTS before trusting anything;
2. writes a temporary combined bundle (the OS bundle + those CAs) into a private temporary directory;
3. installs the pinned dependencies with ``--require-hashes --only-binary :all:`` into a private venv,
   with verification on (``--cert`` = that bundle) and no pip configuration or PIP_* variable from
   the job (so no ``trusted-host`` can creep in), through the job's proxy;
4. adds the tool itself (its source tree next to this file, or its wheel pinned by hash);
5. deletes the temporary bundle. It never prints a certificate, a key or a proxy password.

    python3 bootstrap.py install --venv DIR [--lock FILE] [--tool-source SRC | --tool-sha256 HEX]
    python3 bootstrap.py bundle --out FILE

Exit codes: 0 ok, 1 the installation failed, 2 bad input. Errors are one line:
``pip-tls-setup: error: <what>: <problem>; <fix>``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import ipaddress
import os
import re
import secrets
import shutil
import ssl
import stat
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

PROG = "pip-tls-setup bootstrap"
HERE = Path(__file__).resolve().parent
CA_ENV = "PIP_TLS_SETUP_CA"
CA_FILE_ENV = "PIP_TLS_SETUP_CA_FILE"
PINS_ENV = "PIP_TLS_SETUP_CA_FINGERPRINTS"
READY = ".pip-tls-setup-ready"
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
    print(f"{PROG}: {redact(text)}", file=sys.stderr, flush=True)


def die(error: BootstrapError) -> NoReturn:
    message = redact(str(error))
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


def corporate_cas(env: dict[str, str], files: list[str]) -> list[bytes]:
    certs: list[bytes] = []
    text = env.get(CA_ENV, "")
    paths = list(files) + [p for p in re.split(r"[\n,]+", env.get(CA_FILE_ENV, "")) if p.strip()]
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
                raise BootstrapError(
                    origin,
                    f"is a plain-HTTP index ({redact(url)}): packages could be swapped on the wire",
                    "serve the index over HTTPS; pip-tls-setup supplies the CA that makes HTTPS verify",
                )
            return url
    return None


def choose_proxy(env: dict[str, str], config: dict[str, str]) -> str | None:
    """pip's own proxy setting ($PIP_PROXY, pip config); the environment's proxies reach pip anyway."""
    for value in (env.get("PIP_PROXY"), config.get("install.proxy"), config.get("global.proxy")):
        if value and value.strip():
            return value.strip()
    return None


# ---------------------------------------------------------------- the private venv


def venv_python(venv: Path) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def run(argv: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        print(redact(tail), file=sys.stderr, flush=True)
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


def make_venv(python: str, venv: Path, env: dict[str, str]) -> Path:
    interpreter = venv_python(venv)
    if interpreter.exists():
        return interpreter
    done = subprocess.run([python, "-m", "venv", str(venv)], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BootstrapError(
            f"{python} -m venv",
            f"failed ({redact(detail)[:200]})",
            "install the venv module (Debian/Ubuntu: apt-get install python3-venv) or use the single-file build",
            code=1,
        )
    return interpreter


def purelib(interpreter: Path, env: dict[str, str]) -> Path:
    out = run([str(interpreter), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env, "venv")
    return Path(out.strip())


def install(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    mask_proxy_credentials(env)
    if sys.version_info < (3, 9):  # noqa: UP036 - runs on whatever Python the job has
        raise BootstrapError(
            sys.executable, f"is Python {sys.version.split()[0]}", "pip-tls-setup needs Python 3.9 or newer"
        )
    lock = Path(args.lock)
    if not lock.is_file():
        raise BootstrapError(str(lock), "does not exist", "pass the lock file shipped with pip-tls-setup")
    tool_lines = ""
    if args.tool_sha256:
        if not re.fullmatch(r"[0-9a-f]{64}", args.tool_sha256.lower()):
            raise BootstrapError("--tool-sha256", "is not 64 hex digits", "copy the wheel's sha256 from the release")
        tool_lines = f"{args.tool_requirement} --hash=sha256:{args.tool_sha256.lower()}\n"
    elif not args.tool_source:
        raise BootstrapError(
            "--tool-sha256",
            "is missing: the tool's wheel would be installed without a hash",
            "give the sha256 of the pip-tls-setup wheel (from its release notes), or --tool-source",
        )
    cas = corporate_cas(env, args.ca_file)
    venv = Path(args.venv)
    identity = hashlib.sha256(
        lock.read_bytes() + tool_lines.encode() + str(args.tool_source or "").encode() + sys.version.encode()
    ).hexdigest()
    ready = venv / READY
    if ready.is_file() and ready.read_text().strip() == identity and venv_python(venv).exists():
        say(f"reusing {venv}")
        return finish(args, venv_python(venv))
    shutil.rmtree(venv, ignore_errors=True)
    config = pip_config(sys.executable, {k: v for k, v in env.items() if k not in DROPPED})
    index = choose_index(args.index_url, env, config)
    proxy = choose_proxy(env, config)
    mask_proxy_credentials({"PIP_INDEX_URL": index or "", "PIP_PROXY": proxy or ""})  # from --index-url, pip config
    temp = Path(tempfile.mkdtemp(prefix="pip-tls-setup-bootstrap-"))
    try:
        bundle = temp / "bundle.pem"
        source = write_bundle(bundle, cas)
        say(f"temporary bundle: public roots from {source} + {len(cas)} corporate CA(s)")
        clean = pip_env(env, bundle)
        interpreter = make_venv(sys.executable, venv, clean)
        requirements = [str(lock)]
        if tool_lines:
            tool_file = temp / "tool.txt"
            tool_file.write_text(tool_lines, encoding="utf-8")
            requirements.append(str(tool_file))
        argv = [str(interpreter), "-m", "pip", "--isolated", "--no-input", "--disable-pip-version-check"]
        argv += ["install", "--no-cache-dir", "--require-hashes", "--only-binary", ":all:", "--no-deps"]
        argv += ["--cert", str(bundle)]
        if index:
            argv += ["--index-url", index]
        if proxy:
            argv += ["--proxy", proxy]
        for requirement in requirements:
            argv += ["-r", requirement]
        where = redact(index) if index else "pip's default index"
        say(f"installing the pinned dependencies (hash-checked) from {where}")
        run(argv, clean, "pip install --require-hashes")
        if args.tool_source:
            source_dir = Path(args.tool_source).resolve()
            if not (source_dir / "pip_tls_setup" / "__init__.py").is_file():
                raise BootstrapError(str(source_dir), "has no pip_tls_setup package", "pass the tool's src directory")
            (purelib(interpreter, clean) / "pip_tls_setup.pth").write_text(str(source_dir) + "\n", encoding="utf-8")
        run(
            [str(interpreter), "-c", "import pip_tls_setup.cli, cryptography.x509, yaml, certifi"],
            clean,
            "import check",
        )
        ready.write_text(identity + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    say(f"pip-tls-setup is ready in {venv}")
    return finish(args, interpreter)


def finish(args: argparse.Namespace, interpreter: Path) -> int:
    if args.github_output:
        output = os.environ.get("GITHUB_OUTPUT")
        if output:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            with open(output, "a", encoding="utf-8") as handle:
                handle.write(f"python<<{delimiter}\n{interpreter}\n{delimiter}\n")
    print(interpreter)
    return 0


def bundle_only(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    mask_proxy_credentials(env)
    cas = corporate_cas(env, args.ca_file)
    source = write_bundle(Path(args.out), cas)
    say(f"wrote {args.out}: public roots from {source} + {len(cas)} corporate CA(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="install pip-tls-setup into a private venv (hash-pinned)")
    inst.add_argument("--venv", required=True, help="the private venv to create (reused when up to date)")
    inst.add_argument("--lock", default=str(HERE / "requirements.lock"), help="hash-pinned requirements")
    inst.add_argument("--tool-source", help="use the tool's source tree (SRC containing pip_tls_setup/)")
    inst.add_argument("--tool-requirement", default="pip-tls-setup", help="the tool's requirement (name==version)")
    inst.add_argument("--tool-sha256", help="sha256 of the tool's wheel on the index")
    inst.add_argument("--index-url", help="package index (default: the job's pip index)")
    inst.add_argument("--ca-file", action="append", default=[], help="corporate CA file (PEM, DER, PKCS#7)")
    inst.add_argument("--github-output", action="store_true", help="write python=<venv python> to $GITHUB_OUTPUT")
    bun = sub.add_parser("bundle", help="write the temporary combined bundle only")
    bun.add_argument("--out", required=True)
    bun.add_argument("--ca-file", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        if args.command == "bundle":
            return bundle_only(args)
        return install(args)
    except BootstrapError as error:
        die(error)


if __name__ == "__main__":
    raise SystemExit(main())
