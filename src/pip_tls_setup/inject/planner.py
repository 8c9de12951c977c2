"""Compute the plan for ``setup``: OS store, combined bundle, each target Python, environment.

Pure apart from reading current file contents: nothing is written here.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography.hazmat.primitives.serialization import Encoding

from pip_tls_setup.ca.certs import CACert, fingerprint, parse_bundle
from pip_tls_setup.clients import Client, Context, Edit, Found
from pip_tls_setup.errors import InputError
from pip_tls_setup.inject import safefs
from pip_tls_setup.inject.edits import blocks, envexport, pipconf
from pip_tls_setup.inject.plan import FileChange, Plan
from pip_tls_setup.inject.stores import Query, TrustStore
from pip_tls_setup.inject.stores.linux import AnchorDirStore
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.pythons import CertifiFacts, Target
from pip_tls_setup.target.root import Root, WritePath, check_writable

STATE_ENV = "PIP_TLS_SETUP_STATE_DIR"
SHARED_MODE = 0o644  # bundles and anchors: every user's tools read them, whatever the umask
# How many trailing components of a certifi bundle path are the package's own (never links).
CERTIFI_DEPTHS = (("/pip/_vendor/certifi/cacert.pem", 4), ("/certifi/cacert.pem", 2))


@dataclass(frozen=True)
class Layout:
    """Where the tool keeps what it owns."""

    bundle: str  # logical path: public roots + corporate CAs
    corporate: str  # logical path: corporate CAs only (NODE_EXTRA_CA_CERTS is additive)
    state_dir: Path  # host path: journal, backups, lock


@dataclass(frozen=True)
class Options:
    system_store: bool = True
    certifi: bool = True
    pip_config: bool = True


def corporate_path(bundle: str) -> str:
    stem = bundle[:-4] if bundle.endswith(".pem") else bundle
    return f"{stem}-corporate.pem"


def default_layout(
    root: Root,
    privilege: Privilege,
    env: Mapping[str, str],
    bundle: str | None = None,
    state_dir: str | None = None,
    platform: str = sys.platform,
) -> Layout:
    system_wide = privilege is not Privilege.NONE or not root.is_host
    home = Path(env.get("HOME", str(Path.home())))
    # The journal is written by this process itself (never through sudo): a user with passwordless sudo
    # (GitHub-hosted runners) keeps it in their own state directory; undo as the same user finds it.
    user_state = Path(env.get("XDG_STATE_HOME") or home / ".local" / "state") / "pip-tls-setup"
    if platform == "win32" and root.is_host:
        base = env.get("ProgramData", "C:\\ProgramData") + "\\pip-tls-setup"
        default_bundle = base + "\\ca-bundle.pem"
        default_state = Path(base) / "state"
    elif system_wide:
        default_bundle = "/etc/pip-tls-setup/ca-bundle.pem"
        # The parent is resolved in the root; the state directory itself must not be a link (see Journal).
        default_state = (
            user_state if privilege is Privilege.SUDO and root.is_host else root.host("/var/lib") / "pip-tls-setup"
        )
    else:
        data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
        default_bundle = str(data / "pip-tls-setup" / "ca-bundle.pem")
        default_state = user_state
    chosen = bundle or default_bundle
    if not (chosen.startswith("/") or (len(chosen) > 2 and chosen[1] == ":")):
        chosen = os.path.abspath(chosen) if root.is_host else "/" + chosen
    chosen_state = state_dir or env.get(STATE_ENV)
    return Layout(chosen, corporate_path(chosen), Path(chosen_state) if chosen_state else default_state)


def can_write(host: Path, privilege: Privilege) -> bool:
    """With root or sudo anything; else what ``safefs.can_write_directly`` says (the check apply uses too)."""
    return privilege is not Privilege.NONE or safefs.can_write_directly(host)


def check_output(option: str, target: WritePath, privilege: Privilege) -> None:
    """An output path must be a regular file we can write, not reached through a link: fail before anything
    changes, not halfway."""
    check_writable(target, f"{option} {target.logical}")
    if not can_write(target.host, privilege):
        raise InputError(
            f"{option} {target.logical}", "is not writable", "choose a path you can write, or run as root / with sudo"
        )


def planned_read(plan: Plan, target: WritePath, what: str | None = None) -> bytes | None:
    """What a file we are about to write holds (or will hold after earlier changes in this plan).

    Refuses (exit 2) a link or a non-regular file on its way: write targets are checked while planning.
    """
    check_writable(target, what)
    try:
        return plan.pending_content(target.logical)
    except KeyError:
        return safefs.read(target)


def corporate_pem(cas: Sequence[CACert]) -> str:
    return "".join(c.labelled_pem() for c in cas)


def combined_bundle(base: bytes, source: str, cas: Sequence[CACert], exclude: set[str]) -> bytes:
    """Public roots (minus anything we manage) + corporate CAs, deterministic for the same inputs."""
    corporate = {c.sha256 for c in cas}
    public: list[bytes] = []
    seen: set[str] = set()
    for cert in parse_bundle(base):
        digest = fingerprint(cert)
        if digest in corporate or digest in exclude or digest in seen:
            continue
        seen.add(digest)
        public.append(cert.public_bytes(Encoding.PEM))
    header = (
        "# pip-tls-setup combined CA bundle: public roots + corporate CAs.\n"
        f"# Public roots: {len(public)} certificates from {source}.\n"
        f"# Corporate CAs: {len(cas)}.\n"
        "# Generated; edits are overwritten by the next run. 'pip-tls-setup undo' removes this file.\n"
    )
    text = header + b"".join(public).decode("ascii") + blocks.upsert("", corporate_pem(cas))
    return text.encode("ascii")


def _base_bundle(root: Root, store: TrustStore | None) -> tuple[bytes, str]:
    if store is not None:
        path = store.system_bundle(root)
        if path is not None:
            data = root.host(path).read_bytes()
            if parse_bundle(data):
                return data, path
    where = certifi.where()
    return Path(where).read_bytes(), f"certifi {certifi.__version__} (Mozilla roots)"


def _managed_fingerprints(root: Root, store: TrustStore | None) -> set[str]:
    if not isinstance(store, AnchorDirStore):
        return set()
    directory = root.host(store.anchor_dir)
    found: set[str] = set()
    if directory.is_dir():
        for path in directory.glob("pip-tls-setup-*"):
            found.update(fingerprint(c) for c in parse_bundle(path.read_bytes()))
    return found


def pip_config_file(target: Target, root: Root, privilege: Privilege, env: Mapping[str, str]) -> tuple[str, str]:
    """The pip config file that gets ``cert =`` for a target, and its level."""
    files = (target.pip.config_files if target.pip else None) or {}
    windows = target.platform == "win32"
    name = "pip.ini" if windows else "pip.conf"
    if target.is_venv:
        site = files.get("site") or [os.path.join(target.prefix, name)]
        return site[-1], "site"
    global_files = files.get("global") or (
        [os.path.join(env.get("ProgramData", "C:\\ProgramData"), "pip", name)] if windows else ["/etc/pip.conf"]
    )
    chosen = global_files[-1]
    if can_write(root.host(chosen), privilege):
        return chosen, "global"
    user = files.get("user") or [os.path.join(env.get("HOME", str(Path.home())), ".config", "pip", name)]
    return user[-1], "user"


def build(
    *,
    root: Root,
    store: TrustStore | None,
    cas: Sequence[CACert],
    targets: Sequence[Target],
    layout: Layout,
    options: Options,
    privilege: Privilege,
    query: Query,
    env: Mapping[str, str],
    managed: Collection[str] = (),
    clients: Sequence[tuple[Client, Found]] = (),
    client_context: Context | None = None,
) -> Plan:
    """``managed``: fingerprints of every CA an earlier run installed (from the journal): never public roots, even
    while the OS bundle still holds one an interrupted run stopped supplying. ``clients``: the clients found
    (``clients.discover``), whose durable edits are planned here like every other write."""
    plan = Plan()
    if not cas:
        raise InputError(
            "setup", "no corporate CA was given", "pass --ca FILE (repeatable) or set $PIP_TLS_SETUP_CA to the PEM text"
        )
    for option, path in (("--bundle", layout.bundle), ("--bundle (corporate-only file)", layout.corporate)):
        check_output(option, root.writable(path, 2), privilege)
    _plan_store(plan, root, store, cas, options, privilege, query, layout)
    base, source = _base_bundle(root, store)
    exclude = _managed_fingerprints(root, store) | set(managed)
    bundle_bytes = combined_bundle(base, source, cas, exclude)
    _add(plan, root, layout.bundle, bundle_bytes, "combined bundle: public roots + corporate CAs", 2, shared=True)
    corporate = corporate_pem(cas).encode("ascii")
    _add(plan, root, layout.corporate, corporate, "corporate CAs only (NODE_EXTRA_CA_CERTS)", 2, shared=True)
    for target in targets:
        _plan_target(plan, root, target, cas, layout, options, privilege, env)
    if clients and client_context is not None:
        _plan_clients(plan, root, clients, client_context, privilege)
    plan.env.extend(envexport.variables(layout.bundle, layout.corporate))
    return plan


def _add(plan: Plan, root: Root, path: str, data: bytes, reason: str, depth: int = 1, shared: bool = False) -> None:
    # A second change to the same path keeps the first one's "before" (see Plan.add_file).
    target = root.writable(path, depth)
    check_writable(target)
    before = safefs.read(target)
    plan.add_file(FileChange(path, before, data, reason, SHARED_MODE, depth, shared))


def _plan_store(
    plan: Plan,
    root: Root,
    store: TrustStore | None,
    cas: Sequence[CACert],
    options: Options,
    privilege: Privilege,
    query: Query,
    layout: Layout,
) -> None:
    if not options.system_store:
        plan.note("skip", "os-store", "OS trust store skipped (--no-system-store)")
        return
    if store is None:
        plan.note(
            "warning", "os-store", f"no supported OS trust store found in {root}; only Python-level trust is set up"
        )
        return
    if privilege is Privilege.NONE:
        plan.note(
            "warning",
            "os-store",
            f"the {store.description} needs root: not running as root and no passwordless sudo, so it was "
            "skipped; the combined bundle, pip config, certifi and environment still carry the CA",
        )
        return
    store.plan(root, cas, plan, query, os.path.dirname(layout.bundle))


def _plan_target(
    plan: Plan,
    root: Root,
    target: Target,
    cas: Sequence[CACert],
    layout: Layout,
    options: Options,
    privilege: Privilege,
    env: Mapping[str, str],
) -> None:
    label = target.executable
    if not target.ssl:
        plan.note(
            "warning",
            label,
            "this Python has no ssl module: pip will say 'pip is configured with locations that require "
            "TLS/SSL, however the ssl module in Python is not available'; rebuild it with OpenSSL",
        )
    if target.version < (3, 10):
        plan.note(
            "info",
            label,
            f"Python {target.version[0]}.{target.version[1]}: no pip version uses the OS store here; "
            "pip's config (cert =) and certifi carry the CA instead",
        )
    pem = corporate_pem(cas)
    store_covered = options.system_store and privilege is not Privilege.NONE
    if options.certifi:
        if target.certifi is not None:
            _plan_certifi(plan, root, target.certifi, pem, privilege, store_covered, f"{label}: site-packages certifi")
        if target.pip is not None and target.pip.certifi is not None:
            _plan_certifi(
                plan, root, target.pip.certifi, pem, privilege, store_covered, f"{label}: pip's vendored certifi"
            )
    if options.pip_config and target.pip is not None:
        path, level = pip_config_file(target, root, privilege, env)
        config = root.writable(path)
        check_writable(config, f"pip {level} config {path}")  # a link: refused, never edited where it points
        if not can_write(config.host, privilege):
            plan.note("warning", label, f"cannot write {path}; pip's cert setting was not changed")
            return
        current = planned_read(plan, config)
        text = (current or b"").decode("utf-8", "replace")
        new_text, replaced = pipconf.set_cert(text, layout.bundle)
        for section in replaced:
            plan.note("info", label, f"{path} [{section}] had another cert; it now points at the combined bundle")
        _add(plan, root, path, new_text.encode("utf-8"), f"pip {level} config: cert = combined bundle")


def _plan_certifi(
    plan: Plan,
    root: Root,
    facts: CertifiFacts,
    pem: str,
    privilege: Privilege,
    store_covered: bool,
    what: str,
) -> None:
    bundled = facts.bundled
    if facts.patched:
        if store_covered:
            plan.note("skip", what, f"distribution-patched certifi reads {facts.where} (the OS store); left unchanged")
        else:
            plan.note(
                "warning",
                what,
                f"distribution-patched certifi reads {facts.where}, and this run leaves the OS store without the "
                "corporate CA; only the exported REQUESTS_CA_BUNDLE/SSL_CERT_FILE cover it",
            )
        return
    depth = next((d for suffix, d in CERTIFI_DEPTHS if bundled.endswith(suffix)), 1)
    target = root.writable(bundled, depth)
    # A linked package directory would make us edit someone else's bundle: refused (exit 2).
    check_writable(target, what, dirs_only=True)
    if os.path.islink(target.host):
        # How some distributions point certifi at the OS bundle: theirs, never written through.
        plan.note("skip", what, f"{bundled} is a symlink managed elsewhere; left unchanged")
        return
    if not os.path.isfile(target.host):
        plan.note("skip", what, f"{bundled} does not exist; left unchanged")
        return
    if not can_write(target.host, privilege):
        plan.note("warning", what, f"cannot write {bundled} (permission denied); left unchanged")
        return
    text = (planned_read(plan, target, what) or b"").decode("utf-8", "replace")
    _add(plan, root, bundled, blocks.upsert(text, pem).encode("utf-8"), f"{what}: corporate CAs appended", depth)


def client_context(
    root: Root,
    env: Mapping[str, str],
    privilege: Privilege,
    layout: Layout,
    store: TrustStore | None,
    options: Options,
    cas: Sequence[CACert],
) -> Context:
    """What the clients are told: where the bundles are, and whether this run fills the OS store."""
    written = bool(options.system_store and store is not None and privilege is not Privilege.NONE)
    if isinstance(store, AnchorDirStore) and root.which(store.refresh[0]) is None:
        written = False
    system = store.system_bundle(root) if store is not None else None
    return Context(root, env, privilege, layout.bundle, layout.corporate, written, system, corporate_pem(cas), None)


def _plan_clients(
    plan: Plan, root: Root, found: Sequence[tuple[Client, Found]], ctx: Context, privilege: Privilege
) -> None:
    for client, facts in found:
        planned = client.plan(facts, ctx)
        for level, message in planned.notes:
            plan.note(level if level in ("info", "warning", "skip") else "info", facts.label, message)  # type: ignore[arg-type]
        for edit in planned.edits:
            _plan_edit(plan, root, edit, privilege, facts.label)


def _plan_edit(plan: Plan, root: Root, edit: Edit, privilege: Privilege, label: str) -> None:
    """A client's edit, planned like the rest: link-safe (exit 2), on the planned content, skipped when unwritable.

    Missing directories on the way (``/etc/uv``, ``~/.config/git``) are created by the write and journaled, so
    they count in the depth that must not be links."""
    depth = max(edit.depth, _missing_depth(root, edit.path))
    edit = dataclasses.replace(edit, depth=depth)
    target = root.writable(edit.path, edit.depth)
    check_writable(target, f"{label}: {edit.path}", dirs_only=edit.package_file)
    if edit.package_file:
        if os.path.islink(target.host):
            plan.note("skip", label, f"{edit.path} is a symlink managed elsewhere; left unchanged")
            return
        if not os.path.isfile(target.host):
            plan.note("skip", label, f"{edit.path} does not exist; left unchanged")
            return
    if not can_write(target.host, privilege):
        plan.note("warning", label, f"cannot write {edit.path} (permission denied); left unchanged")
        return
    text = (planned_read(plan, target, f"{label}: {edit.path}") or b"").decode("utf-8", "replace")
    new = edit.change(text)
    _add(plan, root, edit.path, new.encode("utf-8"), edit.reason, edit.depth)


def _missing_depth(root: Root, logical: str) -> int:
    """1 + the number of missing directories above ``logical`` (what a write there creates)."""
    depth, parent = 1, os.path.dirname(logical)
    while parent not in ("/", "") and not os.path.lexists(root.host(parent)):
        depth, parent = depth + 1, os.path.dirname(parent)
    return depth
