"""The interface every client implements: where it looks for trust, how setup makes that durable, how verify
proves it.

A client (uv, git, npm, ...) is found on the target (``find``), described as data doctor prints (``Found``),
planned as line-preserving ``Edit``s the planner carries out through its own helpers (so every write is planned,
journaled, link-safe and undone byte for byte), and proved by a ``Probe``: an argv verify runs through the proxy
with verification on, and a ``judge`` that reads its result. Clients never write anything themselves.
"""

from __future__ import annotations

import os
import re
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pip_tls_setup.errors import InputError
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import SYSTEM_PATH, Root

QUERY_TIMEOUT = 30  # seconds a read-only question to a client (its version, its config path) may take

# What a probe's judge says; verify turns ``untrusted`` into the probe's classification (naming the CA).
VERIFIED, UNTRUSTED, FAILED, NOT_CHECKED = "verified", "untrusted", "error", "not-checked"


class ClientError(InputError):
    """A client's own file is unusable for setup (exit 2 before anything changes), e.g. a config that is a link."""


@dataclass(frozen=True)
class Source:
    """One place a client looks for trust."""

    kind: str  # config | env | bundle | os-store | builtin
    where: str  # a path, a variable name, or a description
    detail: str = ""
    present: bool | None = None  # None: not a file (a variable, built-in roots)


@dataclass(frozen=True)
class Found:
    """A client present on the target, as doctor prints it."""

    client: str  # registry name
    version: str | None
    executable: str  # logical path
    reads: tuple[Source, ...]
    durable: str  # how setup makes trust durable for it (or why it cannot)
    traps: tuple[str, ...] = ()  # ids in diagnosis.traps.CLIENT_TRAPS
    facts: Mapping[str, Any] = field(default_factory=dict)  # client-specific (config paths, its Python, ...)
    venvs: tuple[str, ...] = ()  # interpreters setup adds as Python targets (certifi, pip's vendored certifi)

    @property
    def label(self) -> str:
        return f"{self.client} {self.version}" if self.version else self.client

    def to_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "version": self.version,
            "executable": self.executable,
            "reads": [{"kind": s.kind, "where": s.where, "detail": s.detail, "present": s.present} for s in self.reads],
            "durable": self.durable,
            "traps": list(self.traps),
            "venvs": list(self.venvs),
        }


@dataclass(frozen=True)
class Edit:
    """A change to one file, as a function of its current text (``""`` when it does not exist).

    ``package_file``: a file owned by a package (a vendored ``cacert.pem``): never created, and left alone when
    it is a link (the planner's certifi rules). ``depth``: trailing components that must not be links.
    """

    path: str  # logical
    change: Callable[[str], str]
    reason: str
    depth: int = 1
    package_file: bool = False


@dataclass
class ClientPlan:
    edits: list[Edit] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (level, message): info | warning | skip

    def note(self, level: str, message: str) -> None:
        self.notes.append((level, message))


@dataclass(frozen=True)
class Outcome:
    state: str  # VERIFIED | UNTRUSTED | FAILED | NOT_CHECKED
    line: str  # the client's own words (its error line, or the HTTP status it got)
    status: int | None = None


Judge = Callable[[int, str], Outcome]  # (returncode, stdout + stderr) -> Outcome


@dataclass(frozen=True)
class Probe:
    """One verify check: run ``argv`` (with ``env`` added) and ``judge`` its result.

    ``needs``: variables without which this client has no trust channel at all (node: NODE_EXTRA_CA_CERTS); in a
    view without any of them the check is run and shown, but does not decide the exit code.
    """

    argv: tuple[str, ...]
    judge: Judge
    env: Mapping[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    what: str = ""  # what it fetches, for the report
    stdin: str = ""


@dataclass(frozen=True)
class ProbeRequest:
    """What verify asks a client to fetch: ``index`` (``https://host/simple/``) and the project's page there."""

    index: str
    project: str
    workdir: str  # an empty private directory (a client's downloads, caches, cwd)
    python: str | None = None  # a target Python, for clients that need an interpreter
    timeout: float = 15.0

    @property
    def host_url(self) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(self.index)
        return f"{parts.scheme}://{parts.netloc}/"


@dataclass(frozen=True)
class Context:
    """What a client may look at: the root, the environment, who we are, what setup writes."""

    root: Root
    env: Mapping[str, str]
    privilege: Privilege = Privilege.NONE
    bundle: str = ""  # logical path of the combined bundle (public roots + corporate CAs)
    corporate: str = ""  # logical path of the corporate CAs alone
    store_written: bool = False  # setup puts the corporate CAs into the OS store in this run
    system_bundle: str | None = None  # the OS store's PEM bundle (logical), if any
    pem: str = ""  # the corporate CAs, PEM (for vendored bundles)
    run: Callable[[Sequence[str], Mapping[str, str]], tuple[int, str]] | None = None  # read-only queries

    @property
    def system_wide(self) -> bool:
        """Whether setup writes system-level files (as root, through sudo, or inside --root)."""
        return self.privilege is not Privilege.NONE or not self.root.is_host

    @property
    def home(self) -> str:
        if not self.root.is_host:
            return "/root"
        return self.env.get("HOME") or os.path.expanduser("~")

    @property
    def search_path(self) -> str:
        return self.env.get("PATH", SYSTEM_PATH) if self.root.is_host else SYSTEM_PATH

    def config_home(self) -> str:
        if self.root.is_host and self.env.get("XDG_CONFIG_HOME"):
            return self.env["XDG_CONFIG_HOME"]
        return os.path.join(self.home, ".config")

    def which(self, name: str) -> str | None:
        return self.root.which(name, self.search_path)

    def exists(self, logical: str) -> bool:
        return self.root.host(logical).is_file()

    def read(self, logical: str) -> str:
        """A file's text, ``""`` when missing or unreadable (for describing, never for editing)."""
        try:
            return self.root.host(logical).read_text("utf-8", "replace")
        except OSError:
            return ""

    def query(self, argv: Sequence[str], extra: Mapping[str, str] | None = None) -> tuple[int, str]:
        """Run a read-only command of the target (through chroot for a root): (returncode, stdout + stderr)."""
        env = query_env(self, extra)
        if self.run is not None:
            return self.run(argv, env)
        return run_query(self.root, argv, env)


def query_env(ctx: Context, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    if ctx.root.is_host:
        env = {k: v for k, v in ctx.env.items() if not k.startswith("PYTHON")}
    else:
        env = {"PATH": SYSTEM_PATH, "HOME": "/root", "LANG": "C.UTF-8"}
    env.update(extra or {})
    return env


def run_query(root: Root, argv: Sequence[str], env: Mapping[str, str]) -> tuple[int, str]:
    try:
        done = subprocess.run(
            root.command(argv), capture_output=True, text=True, timeout=QUERY_TIMEOUT, env=dict(env), check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return done.returncode, done.stdout + done.stderr


def version_in(text: str) -> str | None:
    """The first dotted version number in a tool's ``--version`` output."""
    match = re.search(r"(\d+\.\d+(?:\.\d+)*)", text)
    return match.group(1) if match else None


def version_tuple(text: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in (text or "").split(".") if p.isdigit())


def last_line(text: str, *needles: str) -> str:
    """The last line of ``text`` holding one of ``needles`` (else its last non-empty line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if any(n.lower() in line.lower() for n in needles):
            return line[:400]
    return lines[-1][:400] if lines else ""


class Client(ABC):
    name: str
    title: str  # what doctor calls it

    @abstractmethod
    def find(self, ctx: Context) -> Found | None:
        """The client on this target, or None when it is not installed."""

    @abstractmethod
    def plan(self, found: Found, ctx: Context) -> ClientPlan:
        """What makes the combined trust durable for it (edits, notes); nothing is written here."""

    def anchors(self, found: Found, ctx: Context) -> list[str] | None:
        """The CA files it verifies with here and now (for doctor's offline verdict); None: cannot tell."""
        return None

    def probe(self, found: Found, ctx: Context, request: ProbeRequest) -> Probe | None:
        """verify's check through the proxy with verification on; None: it cannot be probed here."""
        return None


def pem_files(*paths: str | None) -> list[str]:
    return [p for p in paths if p]


def plain_env_value(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """The first of ``names`` set (non-empty) in ``env``: (name, value)."""
    for name in names:
        value = env.get(name)
        if value:
            return name, value
    return None
