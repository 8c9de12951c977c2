"""``--trusted-host`` described as the installed pip reads it: pip's own option parser and ``PipSession``
(imported in-process, ``--isolated`` so no config file or variable of this machine counts) against
``origins.pip_trusted_host`` and the scan's findings."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from pip._internal.commands import create_command
from pip._internal.network.session import PipSession

from pip_tls_setup.policy import origins, scanner

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pip imports pkg_resources

FORMS = [
    "--trusted-host 'a.example b.example'",
    "--trusted-host https://mirror.example",
    "--trusted-host http://user:pw@mirror.example:81/x",
    "--trusted-host https://mirror.example:8443/simple",
    "--trusted-host mirror.example:8443",
    "--trusted-host '[::1]:3141'",
    "--trusted-host ::1",
    "--trusted-host 127.0.0.1",
    '--trusted-host \'"quoted.example"\'',
    "--trusted-host :8080",
]


def pip_reads(args: str) -> list[str] | str:
    options, _ = create_command("install").parse_args(["--isolated", *shlex.split(args)])
    try:
        session = PipSession(trusted_hosts=options.trusted_hosts)
    except ValueError as exc:
        return f"error: {exc}"
    return [host for host, _ in session.pip_trusted_origins]


@pytest.mark.parametrize("args", FORMS)
def test_origins_reads_a_trusted_host_as_pip_does(args: str) -> None:
    (value,) = create_command("install").parse_args(["--isolated", *shlex.split(args)])[0].trusted_hosts
    read = origins.pip_trusted_host(value)
    expected = pip_reads(args)
    if isinstance(expected, str):
        assert read.error is not None and read.host is None, (args, read)
    else:
        assert [read.host] == expected, (args, read)


@pytest.mark.parametrize("args", FORMS)
def test_the_scan_names_the_host_pip_trusts(args: str, tmp_path: Path) -> None:
    (tmp_path / "install.sh").write_text(f"pip install {args} foo\n", encoding="utf-8")
    findings = scanner.scan([str(tmp_path)]).findings
    assert len(findings) == 1, findings
    (finding,) = findings
    expected = pip_reads(args)
    if isinstance(expected, str):
        assert finding.rule == "PTS101" and "cannot read" in finding.message and finding.host is None
    elif origins.is_loopback(expected[0]):
        assert finding.rule == "PTS112" and finding.host == expected[0]
    else:
        assert finding.rule == "PTS101" and finding.host == expected[0], (args, finding)
        if "://" in args:
            assert "not a URL" in finding.message
        if " " in expected[0] or '"' in expected[0]:
            assert "no real host has that name" in finding.message
