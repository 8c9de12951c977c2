"""CA sources: files, directories, CI-secret text, and fingerprint pins."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from corplab.pki import make_ca, make_leaf

from pip_tls_setup.ca import sources
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


# ---------------------------------------------------------------- bounded input (issue 8, point 10/11)


def test_an_empty_ca_path_is_bad_input(tmp_path: Path, ca, monkeypatch: pytest.MonkeyPatch) -> None:
    ca.write(tmp_path / "here.pem")
    monkeypatch.chdir(tmp_path)  # before: "" loaded the current directory
    for raw in ("", "  "):
        with pytest.raises(InputError, match="is an empty path") as info:
            gather([raw], {}, set())
        assert info.value.exit_code == 2


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def _link(target: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.symlink_to(target)
        return path

    return make


HOSTILE = {
    "fifo": (_fifo, "is a FIFO (named pipe)"),
    "socket": (_socket, "is a socket"),
    "dev-zero-link": (_link("/dev/zero"), "is a character device"),
    "dev-urandom-link": (_link("/dev/urandom"), "is a character device"),
    "broken-link": (_link("/nonexistent/ca.pem"), "is a broken link"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_only_regular_files_are_read(case: str, tmp_path: Path) -> None:
    make, problem = HOSTILE[case]
    path = make(tmp_path / "corp.pem")
    with pytest.raises(InputError) as info:
        gather([str(path)], {}, set())  # a FIFO would block here forever if it were opened
    assert problem in str(info.value) and info.value.exit_code == 2
    assert str(path) in str(info.value)


def test_devices_themselves_are_refused() -> None:
    for device in ("/dev/zero", "/dev/null"):
        with pytest.raises(InputError, match="is a character device"):
            gather([device], {}, set())


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_directory_refuses_non_regular_certificate_entries(case: str, tmp_path: Path, ca) -> None:
    make, problem = HOSTILE[case]
    ca.write(tmp_path / "a.pem")
    make(tmp_path / "b.crt")
    with pytest.raises(InputError, match=re.escape(problem)):
        gather([str(tmp_path)], {}, set())


def test_a_directory_skips_subdirectories_and_other_names(tmp_path: Path, ca) -> None:
    ca.write(tmp_path / "a.pem")
    (tmp_path / "nested.pem").mkdir()
    _fifo(tmp_path / "pipe.txt")  # not a certificate name: never touched
    assert [c.sha256 for c in gather([str(tmp_path)], {}, set()).certs] == [ca.sha256]


def test_size_is_capped_by_what_is_read(tmp_path: Path, ca, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.pem"
    with big.open("wb") as handle:
        handle.write(ca.pem)
        handle.truncate(sources.MAX_CA_BYTES + 1)  # sparse: cheap to make
    with pytest.raises(InputError, match="is larger than 16 MiB") as info:
        gather([str(big)], {}, set())
    assert info.value.exit_code == 2
    # stat would lie for a file that grows: the limit is applied to the bytes read
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((0o100644, 0, 0, 1, 0, 0, 10, 0, 0, 0)))
    with pytest.raises(InputError, match="is larger than 16 MiB"):
        sources.read_ca_file(big)
    exact = tmp_path / "exact.pem"
    exact.write_bytes(ca.pem)
    assert sources.read_ca_file(exact, limit=len(ca.pem)) == ca.pem
    with pytest.raises(InputError, match="is larger than"):
        sources.read_ca_file(exact, limit=len(ca.pem) - 1)


def test_env_text_is_capped(ca) -> None:
    with pytest.raises(InputError, match=r"\$PIP_TLS_SETUP_CA: is larger than 16 MiB"):
        gather([], {CA_ENV: ca.pem.decode() + " " * sources.MAX_CA_BYTES}, set())


def test_a_link_to_a_regular_file_is_fine(tmp_path: Path, ca) -> None:
    real = ca.write(tmp_path / "real.pem")
    link = tmp_path / "link.pem"
    link.symlink_to(real)
    assert gather([str(link)], {}, set()).certs[0].sha256 == ca.sha256
