"""GitHub workflow commands, step outputs and the step summary (platforms.github)."""

from __future__ import annotations

import re

import pytest

from pip_tls_setup.platforms import github
from pip_tls_setup.platforms.cli_contract import Change, Facts, Finding


def test_annotation_names_file_line_and_title() -> None:
    line = github.annotation("error", "bad", file=".github/workflows/ci.yml", line=7, title="PTS101 trusted host")
    assert line == "::error file=.github/workflows/ci.yml,line=7,title=PTS101 trusted host::bad"


def test_annotation_cannot_start_a_second_command() -> None:
    line = github.annotation("warning", "a\n::add-mask::x\r%", file="a,b:c.yml", title="t,i:t")
    assert "\n" not in line and "\r" not in line
    assert line == "::warning file=a%2Cb%3Ac.yml,title=t%2Ci%3At::a%0A::add-mask::x%0D%25"


def test_annotation_without_properties_and_bad_level() -> None:
    assert github.annotation("notice", "hi") == "::notice::hi"
    with pytest.raises(ValueError):
        github.annotation("fatal", "x")


def test_add_mask_masks_each_line_of_a_multiline_secret() -> None:
    lines = github.add_mask("first-line\nsecond-line\n")
    assert "::add-mask::first-line" in lines and "::add-mask::second-line" in lines
    assert all("\n" not in line for line in lines)
    assert github.add_mask("ab") == []  # too short to mask without hiding ordinary words


def test_file_commands_use_a_random_delimiter_absent_from_the_value() -> None:
    text = github.file_commands({"bundle-path": "/etc/pip-tls-setup/ca-bundle.pem", "issuer": "CN=x\nEOF"})
    blocks = re.findall(r"^([a-z-]+)<<(ghadelimiter_[0-9a-f]{32})\n(.*?)\n\2\n", text, re.S | re.M)
    assert [(name, value) for name, _, value in blocks] == [
        ("bundle-path", "/etc/pip-tls-setup/ca-bundle.pem"),
        ("issuer", "CN=x\nEOF"),
    ]
    assert blocks[0][1] != blocks[1][1]


@pytest.mark.parametrize("name", ["", "a=b", "a\nb", "x<<y"])
def test_file_commands_refuse_bad_names(name: str) -> None:
    with pytest.raises(ValueError):
        github.file_commands({name: "v"})


def test_finding_annotations_levels_follow_mode_and_severity() -> None:
    findings = [
        Finding("PTS101", "error", "req.txt", 1, "trusts a host", "pip trusts a host", "remove it"),
        Finding("PTS200", "warning", "Dockerfile", 3, "warned"),
        Finding("PTS900", "note", "ci.yml", 0, "cannot resolve $VAR"),
    ]
    enforce = github.finding_annotations(findings, enforce=True, base="sub/dir")
    assert enforce[0] == (
        "::error file=sub/dir/req.txt,line=1,title=PTS101 pip trusts a host::trusts a host. Fix: remove it"
    )
    assert enforce[1].startswith("::warning file=sub/dir/Dockerfile,line=3,")
    assert enforce[2].startswith("::notice file=sub/dir/ci.yml,title=PTS900::")
    warn = github.finding_annotations(findings, enforce=False)
    assert warn[0].startswith("::warning file=req.txt,line=1,")


def test_summary_tells_proxy_interception_ca_changes_and_findings() -> None:
    facts = Facts(
        proxy="http://alice:****@proxy.corp.example:3128",
        intercepted="true",
        issuer="CN=Zscaler Intermediate Root CA",
        vendor="Zscaler",
        bundle="/etc/pip-tls-setup/ca-bundle.pem",
        cas=["CN=Corp Root sha256:ab until 2030-01-01"],
        targets=["/usr/bin/python3 (Python 3.11.2, pip 23.0.1)"],
        changes=[Change("create", "/etc/pip-tls-setup/ca-bundle.pem", "combined | bundle")],
        env={"SSL_CERT_FILE": "/etc/pip-tls-setup/ca-bundle.pem"},
        findings=[Finding("PTS101", "error", "a|b.txt", 2, "pipe | in message")],
        verified="passed",
        ok=False,
    )
    text = github.summary(facts)
    assert text.startswith("## pip-tls-setup: failed")
    assert "| Proxy | `http://alice:****@proxy.corp.example:3128` |" in text
    assert "yes, issuer `CN=Zscaler Intermediate Root CA` (Zscaler)" in text
    assert "| create | `/etc/pip-tls-setup/ca-bundle.pem` | combined \\| bundle |" in text
    assert "| error | PTS101 | `a\\|b.txt:2` | pipe \\| in message |" in text
    assert "`SSL_CERT_FILE`" in text and "| Verification | passed |" in text
    assert "| Findings | 1 |" in text


def test_summary_when_nothing_changed_and_not_checked() -> None:
    text = github.summary(Facts(bundle="/b.pem"))
    assert "| TLS interception | not checked |" in text
    assert "Nothing to change" in text
