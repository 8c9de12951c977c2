"""The stdlib bootstrap the wrappers run before the tool exists (entrypoint/bootstrap.py), and the lock."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
from pathlib import Path

import pytest
from corplab.pki import make_ca, make_leaf
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "entrypoint"))
sys.path.insert(0, str(REPO / "tools"))

import bootstrap  # noqa: E402
import pts_index  # noqa: E402


@pytest.fixture(scope="module")
def cas() -> tuple[bytes, bytes]:
    return make_ca("Corp Root A", "Corp").pem, make_ca("Corp Root B", "Corp").pem


def _der(pem: bytes) -> bytes:
    return bootstrap.parse_certificates(pem, "x")[0]


def test_pem_der_and_pkcs7_all_give_the_certificates(cas: tuple[bytes, bytes]) -> None:
    a, b = cas
    assert len(bootstrap.parse_certificates(a + b"\n" + b, "bundle")) == 2
    assert bootstrap.parse_certificates(_der(a), "der") == [_der(a)]
    from cryptography import x509

    certs = [x509.load_pem_x509_certificate(p) for p in cas]
    p7_der = pkcs7.serialize_certificates(certs, Encoding.DER)
    p7_pem = pkcs7.serialize_certificates(certs, Encoding.PEM)
    # a SET OF is kept in DER order, not input order
    assert sorted(bootstrap.parse_certificates(p7_der, "p7b")) == sorted([_der(a), _der(b)])
    assert sorted(bootstrap.parse_certificates(p7_pem, "p7b")) == sorted([_der(a), _der(b)])


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "is empty"),
        (b"\x00garbage\xff", "is not a certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA!!\n-----END CERTIFICATE-----\n", "damaged PEM"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "no CERTIFICATE block"),
    ],
)
def test_bad_input_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(bootstrap.BootstrapError, match=problem) as caught:
        bootstrap.parse_certificates(data, "$PIP_TLS_SETUP_CA")
    assert caught.value.code == 2


def test_a_private_key_is_refused_and_never_echoed() -> None:
    issued = make_ca("Corp Root", "Corp")
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.parse_certificates(issued.pem + issued.key_pem, "ca.pem")
    text = str(caught.value)
    assert "private key" in text
    body = issued.key_pem.decode().splitlines()[1]
    assert body not in text


def test_pins_must_match_every_ca(cas: tuple[bytes, bytes]) -> None:
    a, b = cas
    pin = hashlib.sha256(_der(a)).hexdigest()
    env = {"PIP_TLS_SETUP_CA": (a + b).decode(), "PIP_TLS_SETUP_CA_FINGERPRINTS": f"sha256:{pin}"}
    with pytest.raises(bootstrap.BootstrapError, match="matches no pinned fingerprint"):
        bootstrap.corporate_cas(env, [])
    env["PIP_TLS_SETUP_CA"] = a.decode()
    colon = ":".join(re.findall("..", pin.upper()))
    env["PIP_TLS_SETUP_CA_FINGERPRINTS"] = colon
    assert bootstrap.corporate_cas(env, []) == [_der(a)]
    with pytest.raises(bootstrap.BootstrapError, match="not a SHA-256 fingerprint"):
        bootstrap.corporate_cas({"PIP_TLS_SETUP_CA_FINGERPRINTS": "sha1:abcd"}, [])


def test_ca_sources_files_env_text_and_gitlab_file_variables(cas: tuple[bytes, bytes], tmp_path: Path) -> None:
    a, b = cas
    file_a = tmp_path / "a.pem"
    file_a.write_bytes(a)
    file_b = tmp_path / "b.crt"
    file_b.write_bytes(_der(b))
    got = bootstrap.corporate_cas({"PIP_TLS_SETUP_CA": str(file_a), "PIP_TLS_SETUP_CA_FILE": str(file_b)}, [])
    assert sorted(got) == sorted([_der(a), _der(b)])
    assert bootstrap.corporate_cas({"PIP_TLS_SETUP_CA": a.decode()}, [str(file_a)]) == [_der(a)]  # deduplicated
    with pytest.raises(bootstrap.BootstrapError, match="does not exist"):
        bootstrap.corporate_cas({}, [str(tmp_path / "missing.pem")])


def test_a_leaf_still_parses_but_only_as_a_certificate() -> None:
    leaf = make_leaf(make_ca("Corp Root", "Corp"), ["index.corp.test"])
    assert len(bootstrap.parse_certificates(leaf.pem, "leaf.pem")) == 1  # the tool's lint refuses it later


def test_bundle_is_os_roots_plus_corporate_cas(cas: tuple[bytes, bytes], tmp_path: Path) -> None:
    a, _ = cas
    out = tmp_path / "bundle.pem"
    source = bootstrap.write_bundle(out, [_der(a)])
    text = out.read_text()
    assert text.count("BEGIN CERTIFICATE") > 10 and source
    assert text.rstrip().endswith(a.decode().strip().splitlines()[-1])
    assert oct(out.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("https://index.corp.test/simple/", True),
        ("http://localhost:8080/simple/", True),
        ("http://127.0.0.5/simple", True),
        ("http://[::1]:3141/", True),
        ("http://mirror-a.example/simple/", False),
        ("http://0.0.0.0/simple/", False),
    ],
)
def test_secure_origins_as_pip_defines_them(url: str, secure: bool) -> None:
    assert bootstrap.is_secure_origin(url) is secure


def test_index_choice_refuses_plain_http_and_keeps_credentials_out() -> None:
    assert bootstrap.choose_index(None, {}, {}) is None
    assert bootstrap.choose_index(None, {"PIP_INDEX_URL": "https://a.test/s"}, {"global.index-url": "https://b"}) == (
        "https://a.test/s"
    )
    assert bootstrap.choose_index(None, {}, {"install.index-url": "https://i", "global.index-url": "https://g"}) == (
        "https://i"
    )
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.choose_index(None, {"PIP_INDEX_URL": "http://user:tok3n@mirror.example/simple"}, {})
    assert "plain-HTTP" in str(caught.value) and "tok3n" not in str(caught.value)


def test_the_bootstraps_pip_sees_no_pip_settings_of_the_job(tmp_path: Path) -> None:
    env = {
        "PIP_TRUSTED_HOST": "index.corp.test",
        "pip_index_url": "http://x",
        "REQUESTS_CA_BUNDLE": "/wrong",
        "CURL_CA_BUNDLE": "",
        "PYTHONPATH": "/evil",
        "HTTPS_PROXY": "http://proxy:3128",
    }
    clean = bootstrap.pip_env(env, tmp_path / "b.pem")
    assert "PIP_TRUSTED_HOST" not in clean and "pip_index_url" not in clean
    assert "REQUESTS_CA_BUNDLE" not in clean and "CURL_CA_BUNDLE" not in clean and "PYTHONPATH" not in clean
    assert clean["PIP_CONFIG_FILE"] == os.devnull and clean["SSL_CERT_FILE"] == str(tmp_path / "b.pem")
    assert clean["HTTPS_PROXY"] == "http://proxy:3128"


def test_github_masks_proxy_credentials_and_die_annotates(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    bootstrap.mask_proxy_credentials({"HTTPS_PROXY": "http://alice:p%40ss@proxy:3128", "PIP_PROXY": "http://tok@p:1"})
    out = capsys.readouterr().out.splitlines()
    basic = [base64.b64encode(pair).decode() for pair in (b"alice:p%40ss", b"alice:p@ss", b"tok:")]
    # workflow-command escaping: the runner turns %25 back into %, so the mask is the literal "p%40ss"
    assert out == [f"::add-mask::{m}" for m in ("p%2540ss", "p@ss", basic[0], basic[1], "tok", basic[2])]
    with pytest.raises(SystemExit) as exited:
        bootstrap.die(bootstrap.BootstrapError("--index-url", "http://u:pw@x is bad", "fix it"))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "::error title=pip-tls-setup bootstrap::--index-url: http://u:****@x is bad; fix it" in captured.out
    assert "pw@" not in captured.out + captured.err + summary.read_text()


def test_install_refuses_an_unpinned_tool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "default_source", lambda: None)  # not a clone: a wheel needs its hash
    with pytest.raises(SystemExit) as exited:
        bootstrap.main(["install", "--venv", str(tmp_path / "v")])
    assert exited.value.code == 2
    assert "--tool-sha256: is missing" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bootstrap.main(["install", "--venv", str(tmp_path / "v"), "--tool-sha256", "xyz"])
    assert "is not 64 hex digits" in capsys.readouterr().err
    assert not (tmp_path / "v").exists()


def test_lock_pins_every_runtime_dependency_with_hashes() -> None:
    lock = pts_index.read_pins((REPO / "entrypoint" / "requirements.lock").read_text())
    wanted = pts_index.read_pins((REPO / "entrypoint" / "requirements.in").read_text())
    assert [(p.name, p.version, p.marker) for p in lock] == sorted(
        ((p.name, p.version, p.marker) for p in wanted), key=lambda t: t[0]
    )
    assert all(p.hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in p.hashes) for p in lock)
    pyproject = (REPO / "pyproject.toml").read_text()
    dependencies = re.search(r"dependencies = \[(.*?)\]", pyproject, re.S)
    assert dependencies is not None
    names = {
        pts_index.normalize(re.split(r"[<>=;\s\[]", d.strip().strip('",'))[0])
        for d in re.findall(r'"[^"]+"', dependencies.group(1))
    }
    assert names <= {pts_index.normalize(p.name) for p in lock}


def test_without_a_bundle_file_the_roots_come_from_the_ssl_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS/Windows runners have no Linux bundle file: the system store is read through ``ssl``."""
    monkeypatch.setattr(bootstrap, "OS_BUNDLES", ("/nonexistent/bundle.pem",))
    data, source = bootstrap.os_bundle()
    assert data.count(b"BEGIN CERTIFICATE") > 10 and source


def test_venv_interpreter_path_per_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert bootstrap.venv_python(tmp_path) == tmp_path / "bin" / "python"
    monkeypatch.setattr(bootstrap.os, "name", "nt")
    assert bootstrap.venv_python(tmp_path) == tmp_path / "Scripts" / "python.exe"
