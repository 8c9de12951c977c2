"""redact: URL credentials in every spelling, in text and in JSON data; one implementation for the tool and
the stdlib bootstrap (the shared block is byte-identical, and both run the same cases).

Credentials are everything between ``://`` and the last ``@`` before the host, parsable or not. The
property tests (Hypothesis, bounded) check that random credentials never survive in plain,
percent-encoded or Basic (base64) form. Linear time is shown by results on 200k-character lines
(no clock in tests; ``benchmarks/inputs/redact_line.py`` measures old and new).
"""

from __future__ import annotations

import base64
import string
import sys
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pip_tls_setup import redact

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "entrypoint"))

import bootstrap  # noqa: E402

BEGIN = "# >>> shared with entrypoint/bootstrap.py: keep byte-identical (tests/unit/test_redact.py) >>>\n"
END = "# <<< shared with entrypoint/bootstrap.py <<<\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def shared_block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, path
    return text[text.index(BEGIN) : text.index(END)]


def test_the_bootstrap_holds_the_same_redaction_code() -> None:
    tool = shared_block(REPO / "src" / "pip_tls_setup" / "redact.py")
    copy = shared_block(REPO / "entrypoint" / "bootstrap.py")
    assert copy == tool, "copy the block between the 'shared' markers from redact.py into bootstrap.py"


# (text, redacted, secrets that must be reported)
CASES = [
    ("http://alice:s3cret@proxy:3128", "http://alice:****@proxy:3128", ["s3cret", b64("alice:s3cret")]),
    ("http://alice:p@ss@proxy:3128", "http://alice:****@proxy:3128", ["p@ss", b64("alice:p@ss")]),
    ("http://dave:sl/ash@proxy:3128", "http://dave:****@proxy:3128", ["sl/ash", b64("dave:sl/ash")]),
    ("http://bob:2024/Summer@proxy:8080/", "http://bob:****@proxy:8080/", ["2024/Summer"]),
    ("http://u:p?x#y@proxy:1/", "http://u:****@proxy:1/", ["p?x#y"]),
    (
        "http://bob:Enc%40Pass7@proxy:3128",
        "http://bob:****@proxy:3128",
        ["Enc%40Pass7", "Enc@Pass7", b64("bob:Enc@Pass7"), b64("bob:Enc%40Pass7")],
    ),
    ("http://j.doe@corp.test:pa/ss@proxy:8080", "http://j.doe@corp.test:****@proxy:8080", ["pa/ss"]),
    (
        "https://tok3nXYZ@index.corp.test/simple/",
        "https://****@index.corp.test/simple/",
        ["tok3nXYZ", b64("tok3nXYZ:")],
    ),
    ("https://TOKEN:@host.test", "https://****:****@host.test", ["TOKEN", b64("TOKEN:")]),
    (
        "https://__token__:pypi-AgEIcHlwaS5vcmcCJGFi@index.test/simple",
        "https://__token__:****@index.test/simple",
        ["pypi-AgEIcHlwaS5vcmcCJGFi", b64("__token__:pypi-AgEIcHlwaS5vcmcCJGFi")],
    ),
    (
        "https://ghp_16C7e42F292c6912E7710c838347Ae178B4a:x-oauth-basic@git.test/o/r",
        "https://****:****@git.test/o/r",
        ["ghp_16C7e42F292c6912E7710c838347Ae178B4a", "x-oauth-basic"],
    ),
    ("http://u:pw@[::1]:3128", "http://u:****@[::1]:3128", ["pw"]),
    ("http://u:pw@[fe80::1%25eth0]:8080/x", "http://u:****@[fe80::1%25eth0]:8080/x", ["pw"]),
    ("http://u:pw@127.0.0.1", "http://u:****@127.0.0.1", ["pw"]),
    # unparsable: masked up to the last '@', never echoed
    ("http://erin:Bad9Pass@127.0.0.1:notaport", "http://erin:****@127.0.0.1:notaport", ["Bad9Pass"]),
    ("http://u:pw@", "http://u:****@", ["pw"]),
    ("(see http://u:pw@host.test).", "(see http://u:****@host.test).", ["pw"]),
    # found by the fuzz tests (the first one leaked with the old regex)
    ("http://0:00000/@[::1]", "http://0:****@[::1]", ["00000/"]),
    ("http://0:00000#@[::1]0", "http://0:****@[::1]0", ["00000#"]),
    (";http://0:@0000#@[::1];", ";http://0:****@[::1];", ["@0000#"]),
    # text and quotes around URLs
    (
        "via http://alice:p@ss@proxy:3128/x and https://tok3n@index.corp.test/simple/",
        "via http://alice:****@proxy:3128/x and https://****@index.corp.test/simple/",
        ["p@ss", "tok3n"],
    ),
    (
        "proxy = 'http://u:pw@h:1' \"https://v:qw@h:2\"",
        "proxy = 'http://u:****@h:1' \"https://v:****@h:2\"",
        ["pw", "qw"],
    ),
    ("a=http://x:y1@h:1,https://u:pw@h2/", "a=http://x:****@h:1,https://u:****@h2/", ["y1", "pw"]),
    ("--proxy user:pa/ss@proxy:3128", "--proxy user:****@proxy:3128", ["pa/ss"]),
    ("--proxy=user:pass@proxy:3128", "--proxy=user:****@proxy:3128", ["pass"]),
    # not credentials
    ("https://index.corp.test/simple/", "https://index.corp.test/simple/", []),
    ("git+https://git.test/org/repo@v1.2#egg=x", "git+https://git.test/org/repo@v1.2#egg=x", []),
    ("file:///srv/x@y", "file:///srv/x@y", []),
    ("git@git.test:org/repo.git", "git@git.test:org/repo.git", []),
    ("FROM python:3.11@sha256:0a1b2c3d", "FROM python:3.11@sha256:0a1b2c3d", []),
    ("mail admin@corp.test or http://proxy:3128", "mail admin@corp.test or http://proxy:3128", []),
    # a port and an '@' in the path cannot be told from user:password with a '/': masked (never a leak)
    ("https://index.corp.test:443/a@b", "https://index.corp.test:****@b", []),
]


@pytest.mark.parametrize(("text", "redacted", "secrets"), CASES)
def test_both_copies_redact_every_spelling(text: str, redacted: str, secrets: list[str]) -> None:
    assert redact.url(text) == redacted
    assert bootstrap.redact(text) == redacted
    found = redact.secrets_in(text)
    assert bootstrap.url_secrets(text) == found
    for secret in secrets:
        assert secret in found
    for secret in found:
        assert secret not in redacted


def test_the_bootstrap_masks_whole_passwords_and_every_spelling(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    env = {
        "HTTPS_PROXY": "http://alice:p@ss@proxy:3128",
        "http_proxy": "http://dave:sl/ash@proxy:3128",
        "PIP_INDEX_URL": "https://__token__:pypi-Tok3n@index.test/simple",
        "ALL_PROXY": "http://eve:a%0A::error::x@proxy:1",
    }
    bootstrap.mask_proxy_credentials(env)
    masks = [line.removeprefix("::add-mask::") for line in capsys.readouterr().out.splitlines()]
    assert "p" not in masks and "p@ss" in masks and b64("alice:p@ss") in masks
    assert "sl/ash" in masks and b64("dave:sl/ash") in masks
    assert "pypi-Tok3n" in masks and b64("__token__:pypi-Tok3n") in masks
    assert "a%250A::error::x" in masks and "a%0A::error::x" in masks  # escaped: one command per line
    assert sorted(masks) == sorted(
        m for value in env.values() for m in map(bootstrap._escape, redact.secrets_in(value))
    )


def test_lines_of_200k_characters_give_the_right_result() -> None:
    n = 200_000
    assert redact.url("a" * n + "@") == "a" * n + "@"
    assert redact.url("http://" + "@" * n) == "http://" + "****@"
    assert redact.url("http://u:" + "p" * n + "@proxy:1") == "http://u:****@proxy:1"
    assert redact.url("X=" + "http://u:p" * (n // 10)) == "X=" + "http://u:p" * (n // 10)
    line = ("http://a:b@h:1 " * (n // 15)).strip()
    assert redact.url(line) == ("http://a:****@h:1 " * (n // 15)).strip()
    assert redact.secrets_in(line) == ["b", b64("a:b")]
    assert bootstrap.redact("://" * (n // 3)) == "://" * (n // 3)


def test_scrub_masks_known_secrets_anywhere() -> None:
    secrets = ["S3cretPass9", "QWxpY2U6UzNjcmV0UGFzczk="]
    text = "Proxy-Authorization: Basic QWxpY2U6UzNjcmV0UGFzczk= (S3cretPass9)"
    assert redact.scrub(text, secrets) == "Proxy-Authorization: Basic **** (****)"
    data = {"proxy": "http://alice:S3cretPass9@p:1", "list": ["x S3cretPass9 y", 3, None], "S3cretPass9": True}
    assert redact.scrub_data(data, secrets) == {
        "proxy": "http://alice:****@p:1",
        "list": ["x **** y", 3, None],
        "****": True,
    }


# ---------------------------------------------------------------- property-based (bounded)

FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
# What a pasted password can hold: printable ASCII without whitespace and quotes (those end a URL in text).
PASSWORD_CHARS = "".join(c for c in string.printable if not c.isspace() and c not in "'\"<>`")
USER_CHARS = string.ascii_letters + string.digits + "._-~!$&()*+,;=%@"
PROSE_CHARS = string.ascii_letters + string.digits + " .,;()[]{}-_!?\n\t"

users = st.text(USER_CHARS, min_size=1, max_size=12).filter(lambda u: not redact._token_like(u))
# Known limit: "://" inside user:password (also a password starting with "//") reads as a new URL.
passwords = st.text(PASSWORD_CHARS, min_size=6, max_size=24).filter(lambda p: "://" not in p and p[:2] != "//")
labels = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
hosts = st.one_of(
    st.lists(labels, min_size=1, max_size=3).map(".".join),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.sampled_from(["[::1]", "[2001:db8::7]", "[fe80::1%25eth0]"]),
)
ports = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
paths = st.one_of(
    st.just(""), st.text(string.ascii_letters + string.digits + "/._-~@?=&#", max_size=20).map("/{}".format)
)
schemes = st.sampled_from(["http", "https", "socks5h", "git+https"])
prose = st.text(PROSE_CHARS, max_size=30)


def spellings(user: str, password: str) -> list[str]:
    decoded = urllib.parse.unquote(password)
    found = {password, urllib.parse.quote(password, safe=""), b64(f"{user}:{password}"), decoded}
    found.add(b64(f"{urllib.parse.unquote(user)}:{decoded}"))
    return [s for s in found if len(s) >= 6]


@FUZZ
@given(schemes, users, passwords, hosts, ports, paths, prose, prose)
def test_credentials_in_prose_are_masked_exactly(
    scheme: str, user: str, password: str, host: str, port: str, path: str, before: str, after: str
) -> None:
    url = f"{scheme}://{user}:{password}@{host}{port}{path}"
    text = f"{before} {url}\n{after}"
    expected = f"{scheme}://{user}:{redact.MASK}@"
    out = redact.url(text)
    assert out.startswith(f"{before} {expected}")
    assert out.endswith(f"\n{after}")
    for form in spellings(user, password):
        assert form not in out.replace(f"{before} {expected}", "", 1) or form in f"{host}{port}{path}{after}"


@FUZZ
@given(schemes, users, passwords, hosts, ports, paths, st.text(PASSWORD_CHARS + " ", max_size=12), st.booleans())
def test_random_credentials_never_survive_in_any_spelling(
    scheme: str, user: str, password: str, host: str, port: str, path: str, glue: str, encoded: bool
) -> None:
    """Glued to arbitrary text (no separator), percent-encoded or not: no spelling of the password is left."""
    written = urllib.parse.quote(password, safe="") if encoded else password
    text = f"{glue}{scheme}://{user}:{written}@{host}{port}{path}{glue}"
    public = f"{glue}{scheme}{user}{host}{port}{path}"
    forms = [f for f in spellings(user, password) + spellings(user, written) if f not in public]
    assume(forms)
    for out in (redact.url(text), bootstrap.redact(text)):
        for form in forms:
            assert form not in out, (text, out, form)


@FUZZ
@given(users, passwords, hosts, ports, st.booleans())
def test_secrets_in_covers_the_header_and_decoded_forms(
    user: str, password: str, host: str, port: str, encoded: bool
) -> None:
    """What a client sends (Basic base64 of the decoded pair) and the decoded password are reported too."""
    written = urllib.parse.quote(password, safe="") if encoded else password
    proxy = f"http://{user}:{written}@{host}{port}"
    decoded = urllib.parse.unquote(written)
    header = f"Proxy-Authorization: Basic {b64(f'{urllib.parse.unquote(user)}:{decoded}')}"
    log = f"{proxy} {header} password={decoded} raw={written}"
    out = redact.scrub(log, redact.secrets_in(proxy))
    for form in {written, decoded, b64(f"{urllib.parse.unquote(user)}:{decoded}")}:
        if len(form) >= 6 and form not in f"{user}{host}{port}":
            assert form not in out, (log, out, form)
