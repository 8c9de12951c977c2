"""--ca-from-os-store: reading each OS's store (macOS and Windows from fake command output: neither runs here)
and choosing only the certificates that really sign the presented chain."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import pytest
from corplab.pki import Issued, make_ca, make_leaf

from pip_tls_setup.diagnosis import os_store, probe
from pip_tls_setup.diagnosis.from_os_store import issued_by, signers
from pip_tls_setup.inject import stores
from pip_tls_setup.inject.stores.base import QueryResult
from pip_tls_setup.inject.stores.linux import FAMILIES
from pip_tls_setup.inject.stores.macos import MacOSKeychain
from pip_tls_setup.inject.stores.windows import WindowsRootStore
from pip_tls_setup.target.root import Root


@pytest.fixture(scope="module")
def pki() -> dict[str, Issued]:
    root = make_ca("Corp Root CA", "Corp")
    intermediate = make_ca("Corp Issuing CA", "Corp", issuer=root)
    # Same name as the root, another key: a store entry that must not be taken for the chain.
    impostor = make_ca("Corp Root CA", "Corp")
    return {
        "root": root,
        "intermediate": intermediate,
        "impostor": impostor,
        "other": make_ca("Unrelated Root", "Elsewhere"),
        "leaf": make_leaf(intermediate, ["index.corp.test"]),
        "leaf_of_root": make_leaf(root, ["index.corp.test"]),
    }


def chain_of(*issued: Issued) -> list[probe.ChainCert]:
    return probe.describe_chain([i.der for i in issued])


def store_of(*issued: Issued) -> list[os_store.StoreCert]:
    return [os_store.StoreCert(i.cert, f"store#{n}") for n, i in enumerate(issued)]


def test_issued_by_checks_name_key_identifier_and_signature(pki: dict[str, Issued]) -> None:
    assert issued_by(pki["intermediate"].cert, pki["root"].cert)
    assert not issued_by(pki["intermediate"].cert, pki["impostor"].cert)  # same name, other key
    assert not issued_by(pki["intermediate"].cert, pki["other"].cert)
    no_ids = make_ca("Corp Root CA", "Corp", ski=False, aki=False)
    child = make_ca("Child", "Corp", issuer=no_ids, aki=False)
    assert issued_by(child.cert, no_ids.cert)  # no key identifiers: the signature still decides
    assert not issued_by(child.cert, pki["root"].cert)


def test_only_the_signers_of_the_presented_chain_are_taken(pki: dict[str, Issued]) -> None:
    store = store_of(pki["other"], pki["impostor"], pki["intermediate"], pki["root"])
    # The proxy presents leaf + intermediate: the store's root signs it; the impostor and the stranger are left.
    taken = signers(chain_of(pki["leaf"], pki["intermediate"]), store)
    assert [t.cert for t in taken] == [pki["root"].cert]
    # The proxy presents the leaf alone: the store's intermediate, then its root.
    taken = signers(chain_of(pki["leaf"]), store)
    assert [t.cert for t in taken] == [pki["intermediate"].cert, pki["root"].cert]
    # A presented self-signed root is taken only when the store holds that very certificate.
    assert [t.cert for t in signers(chain_of(pki["leaf_of_root"], pki["root"]), store)] == [pki["root"].cert]
    assert signers(chain_of(pki["leaf_of_root"], pki["root"]), store_of(pki["impostor"], pki["other"])) == []
    assert signers(chain_of(pki["leaf"]), store_of(pki["other"], pki["impostor"])) == []
    assert signers([], store) == []


def test_linux_store_reads_the_bundle_and_the_anchors(tmp_path: Path, pki: dict[str, Issued]) -> None:
    root = Root.of(str(tmp_path))
    debian = FAMILIES["debian"]
    bundle = tmp_path / "etc/ssl/certs/ca-certificates.crt"
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(pki["other"].pem + pki["root"].pem)
    anchors = tmp_path / "usr/local/share/ca-certificates/corp"
    anchors.mkdir(parents=True)
    (anchors / "issuing.crt").write_bytes(pki["intermediate"].pem)
    (anchors / "issuing-der.crt").write_bytes(pki["intermediate"].der)
    read = os_store.read(root, debian)
    origins = {(c.cert.subject.rfc4514_string(), c.origin) for c in read.certs}
    assert ("O=Corp,CN=Corp Root CA", "/etc/ssl/certs/ca-certificates.crt") in origins
    assert ("O=Corp,CN=Corp Issuing CA", "/usr/local/share/ca-certificates/corp/issuing.crt") in origins
    assert ("O=Corp,CN=Corp Issuing CA", "/usr/local/share/ca-certificates/corp/issuing-der.crt") in origins
    assert not read.problems


class FakeTool:
    """Records the argv of each query and answers from a table (what macOS' security / PowerShell would print)."""

    def __init__(self, answers: dict[str, QueryResult]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> QueryResult:
        self.calls.append(list(argv))
        return next((a for key, a in self.answers.items() if key in " ".join(argv)), QueryResult(1, ""))


def test_macos_plan_reads_each_keychain_as_pem(pki: dict[str, Issued]) -> None:
    tool = FakeTool(
        {
            "System.keychain": QueryResult(0, pki["root"].pem.decode()),
            "SystemRootCertificates": QueryResult(0, pki["other"].pem.decode()),
        }
    )
    read = os_store.read(Root.of("/"), MacOSKeychain(), tool)
    assert tool.calls == [list(argv) for argv in os_store.MACOS_PLAN]
    assert tool.calls[0] == ["security", "find-certificate", "-a", "-p", "/Library/Keychains/System.keychain"]
    assert {c.origin for c in read.certs} == {
        "/Library/Keychains/System.keychain",
        "/System/Library/Keychains/SystemRootCertificates.keychain",
    }
    assert read.problems == ["security find-certificate -a ... exited with 1"]  # the search-list call failed


def test_windows_plan_reads_base64_der_lines(pki: dict[str, Issued]) -> None:
    lines = "\r\n".join(base64.b64encode(i.der).decode() for i in (pki["root"], pki["intermediate"]))
    tool = FakeTool({"powershell": QueryResult(0, lines + "\r\nnot-base64!\r\n")})
    read = os_store.read(Root.of("/"), WindowsRootStore(), tool)
    assert tool.calls[0][:4] == ["powershell", "-NoProfile", "-NonInteractive", "-Command"]
    for name in ("Cert:\\LocalMachine\\Root", "Cert:\\LocalMachine\\CA", "Cert:\\CurrentUser\\Root"):
        assert name in tool.calls[0][4]
    assert [c.cert for c in read.certs] == [pki["root"].cert, pki["intermediate"].cert]


def test_no_store_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    read = os_store.read(Root.of(str(tmp_path)), None)
    assert read.certs == [] and read.problems
    assert os_store.read(Root.of(str(tmp_path)), MacOSKeychain(), FakeTool({})).certs == []  # not the host


def test_run_query_is_the_default_runner() -> None:
    assert os_store.read.__defaults__ == (stores.run_query,)
