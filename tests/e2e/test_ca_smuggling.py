"""A pinned CA cannot smuggle an unpinned one into the files setup writes (issue 8, point 1).

The attacker controls the subject of a CA the operator pins. Its O attribute holds a newline and
the full PEM of a second, unpinned CA. Before the fix, ``labelled_pem()`` copied the subject into
``# Subject:`` lines unescaped, so OpenSSL read the hidden CA from every bundle we wrote and trusted
it, or (with a ``+`` in the hidden base64, which RFC 4514 escapes as ``\\+``) failed to load the
whole bundle. After ``setup --ca X --ca-fingerprint sha256:X``, every written file must load in
Python's ``ssl`` and list, by OpenSSL's own reading, exactly the pinned CA plus public roots.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import ssl
import subprocess
import warnings
from pathlib import Path

import certifi
import pytest
from corplab.pki import make_ca
from corplab.venvs import make_venv
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import pkcs7

from support.runs import ToolRunner

pytestmark = pytest.mark.e2e

SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def _ed25519_ca(serial: int) -> x509.Certificate:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Hidden Unpinned CA")])
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, None)
    )


def hidden_without_plus() -> bytes:
    """A small CA whose base64 has no '+': RFC 4514 leaves it as is, so it smuggles cleanly."""
    for serial in range(1, 100_000):
        pem = _ed25519_ca(serial).public_bytes(serialization.Encoding.PEM)
        if b"+" not in pem:
            return pem
    raise AssertionError("no '+'-free certificate found")


def hidden_with_plus() -> bytes:
    pem = make_ca("Hidden Unpinned RSA CA", "Evil").pem
    assert b"+" in pem  # RFC 4514 turns it into '\\+': invalid base64, the whole block fails
    return pem


def openssl_fingerprints(path: Path) -> list[str]:
    """The certificates OpenSSL itself reads from ``path`` (``crl2pkcs7 -certfile``), in file order.

    ``openssl pkcs7 -print_certs -noout`` must list as many (one ``subject=`` line per certificate;
    OpenSSL escapes control characters in names, so a hidden newline cannot add a line).
    """
    bundle = subprocess.run(
        ["openssl", "crl2pkcs7", "-nocrl", "-certfile", str(path), "-outform", "DER"],
        capture_output=True,
        check=False,
    )
    assert bundle.returncode == 0, (path, bundle.stderr.decode(errors="replace"))
    printed = subprocess.run(
        ["openssl", "pkcs7", "-inform", "DER", "-print_certs", "-noout"],
        input=bundle.stdout,
        capture_output=True,
        check=False,
    )
    assert printed.returncode == 0, (path, printed.stderr.decode(errors="replace"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # OpenSSL keeps file order, not DER SET order
        certs = pkcs7.load_der_pkcs7_certificates(bundle.stdout)
    subjects = [line for line in printed.stdout.decode(errors="replace").splitlines() if line.startswith("subject=")]
    assert len(subjects) == len(certs), (path, len(subjects), len(certs))
    return [c.fingerprint(hashes.SHA256()).hex() for c in certs]


def fingerprints_of(data: bytes) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few public roots have legacy serials cryptography warns about
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError:
            return set()
    return {c.fingerprint(hashes.SHA256()).hex() for c in certs}


def snapshot(tree: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tree.rglob("*") if p.is_file() and not p.is_symlink()
    }


def public_roots(venv: Path) -> set[str]:
    found = fingerprints_of(Path(certifi.where()).read_bytes())
    for path in [*SYSTEM_BUNDLES, *venv.rglob("cacert.pem")]:
        if os.path.isfile(path):
            found |= fingerprints_of(Path(path).read_bytes())
    return found


@pytest.mark.parametrize("variant", ["smuggles", "plus-breaks-the-bundle"])
def test_a_pinned_ca_cannot_smuggle_another(tool: ToolRunner, tmp_path: Path, variant: str) -> None:
    hidden_pem = hidden_without_plus() if variant == "smuggles" else hidden_with_plus()
    hidden = x509.load_pem_x509_certificate(hidden_pem).fingerprint(hashes.SHA256()).hex()
    pinned = make_ca("Pinned Corp Root", "\n" + hidden_pem.decode("ascii"))
    ca_file = pinned.write(tmp_path / "pinned.pem")

    python = make_venv(tmp_path / "venv", requests=True)
    venv = tmp_path / "venv"
    roots = public_roots(venv)
    assert hidden not in roots and pinned.sha256 not in roots
    before = snapshot(tmp_path)
    bundle = tmp_path / "out" / "bundle.pem"
    bundle.parent.mkdir()
    setup = tool(
        "setup",
        "--ca",
        str(ca_file),
        "--ca-fingerprint",
        f"sha256:{pinned.sha256}",
        "--python",
        str(python),
        "--no-system-store",
        "--bundle",
        str(bundle),
        "--offline",
    )
    assert setup.returncode == 0, setup.output

    after = snapshot(tmp_path)
    written = sorted(p for p, digest in after.items() if before.get(p) != digest and p.suffix == ".pem")
    pip_certifi = [p for p in written if p.parts[-3:] == ("_vendor", "certifi", "cacert.pem")]
    site_certifi = [p for p in written if p.parts[-2:] == ("certifi", "cacert.pem") and "_vendor" not in p.parts]
    corporate = bundle.with_name("bundle-corporate.pem")
    assert bundle in written and corporate in written and pip_certifi and site_certifi, written

    for path in written:
        ssl.create_default_context(cafile=str(path))  # loads: no damaged block anywhere
        seen = openssl_fingerprints(path)
        assert hidden not in seen, f"{path}: OpenSSL reads the unpinned CA"
        assert pinned.sha256 in seen, path
        assert set(seen) - {pinned.sha256} <= roots, path
        text = path.read_text(encoding="ascii")
        assert text.count("-----BEGIN") == len(seen), path  # no marker outside the real blocks
    assert openssl_fingerprints(corporate) == [pinned.sha256]
