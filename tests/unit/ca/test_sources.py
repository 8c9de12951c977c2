"""CA sources: files, directories, CI-secret text, and fingerprint pins."""

from __future__ import annotations

from pathlib import Path

import pytest
from corplab.pki import make_ca, make_leaf

from pip_tls_setup.ca.sources import CA_ENV, PINS_ENV, gather, parse_pin, parse_pins
from pip_tls_setup.errors import InputError


@pytest.fixture(scope="module")
def ca():
    return make_ca("Example Corp Root CA", "Example Corp")


def test_file_dir_and_env_are_merged_and_deduplicated(tmp_path: Path, ca) -> None:
    other = make_ca("Second Root")
    (tmp_path / "d").mkdir()
    ca.write(tmp_path / "d" / "a.crt")
    other.write(tmp_path / "d" / "b.pem")
    (tmp_path / "d" / "README.txt").write_text("ignored: not a certificate suffix")
    result = gather([str(tmp_path / "d")], {CA_ENV: ca.pem.decode()}, set())
    assert [c.sha256 for c in result.certs] == [ca.sha256, other.sha256]


def test_env_only(ca) -> None:
    result = gather([], {CA_ENV: ca.pem.decode()}, set())
    assert result.certs[0].origin == f"${CA_ENV}"


def test_dir_without_certs(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="directory without certificate files"):
        gather([str(tmp_path)], {}, set())


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist") as info:
        gather([str(tmp_path / "nope.pem")], {}, set())
    assert str(tmp_path / "nope.pem") in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "sha256:{h}",
        "SHA256:{colons}",
        "sha256 Fingerprint={colons}",
        "{h}",
        "{colons}",
    ],
)
def test_pin_spellings(ca, text: str) -> None:
    colons = ":".join(ca.sha256[i : i + 2] for i in range(0, 64, 2)).upper()
    assert parse_pin(text.format(h=ca.sha256, colons=colons)) == ca.sha256


@pytest.mark.parametrize("text", ["sha1:abcd", "md5:00", "sha256:xyz", "sha256:" + "a" * 63, ""])
def test_bad_pins(text: str) -> None:
    with pytest.raises(InputError):
        parse_pin(text)


def test_pins_from_env(ca) -> None:
    assert parse_pins([], {PINS_ENV: f"sha256:{ca.sha256}, {ca.sha256}"}) == {ca.sha256}


def test_pin_mismatch_names_the_file_and_fingerprint(tmp_path: Path, ca) -> None:
    path = ca.write(tmp_path / "corp.pem")
    with pytest.raises(InputError) as info:
        gather([str(path)], {}, {"0" * 64})
    message = str(info.value)
    assert str(path) in message and ca.sha256 in message


def test_pin_match(tmp_path: Path, ca) -> None:
    path = ca.write(tmp_path / "corp.pem")
    assert gather([str(path)], {}, {ca.sha256}).certs[0].sha256 == ca.sha256


def test_leaf_refused(tmp_path: Path, ca) -> None:
    leaf = make_leaf(ca, ["index.corp.test"])
    path = leaf.write(tmp_path / "leaf.pem")
    with pytest.raises(InputError, match="leaf"):
        gather([str(path)], {}, set())


def test_warnings_are_kept(tmp_path: Path) -> None:
    weak = make_ca("Weak Corp Root", bc_critical=False)
    result = gather([str(weak.write(tmp_path / "weak.pem"))], {}, set())
    assert [f.code for _, f in result.warnings] == ["strict-basic-constraints-not-critical"]
