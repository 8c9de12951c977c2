"""``certificate has expired`` / ``certificate is not yet valid`` caused by a wrong clock, not a certificate.

With ``faketime`` (Debian's libfaketime) the whole machine's clock is wrong: pip's OpenSSL rejects a chain
that is valid today, and doctor, under the same wrong clock, compares it with the ``Date`` header the index
sends and names the skew. Without faketime: a chain whose validity starts in two days, from a server whose
``Date`` header is three days ahead (it agrees with its chain), is classified as clock skew too.
docs/errors.md cites these tests.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from corplab.errorlab import ErrorLab, target

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ErrorLab]:
    with ErrorLab(tmp_path_factory.mktemp("errors-clock")) as running:
        yield running


def python311() -> Any:
    interpreter = target("3.11")
    if interpreter is None:
        pytest.skip("needs Python 3.11 from pyenv")
    return interpreter


def doctor(errors: ErrorLab, python: Any, faketime: str | None, **env: str) -> tuple[dict[str, Any], str]:
    data = errors.tool("doctor", "--json", "--python", str(python), faketime=faketime, **env)
    assert "Traceback" not in data.stderr, data.stderr
    text = errors.tool("doctor", "--python", str(python), faketime=faketime, **env)
    return json.loads(data.stdout), text.stdout


@pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime (apt-get install faketime)")
@pytest.mark.parametrize(
    ("offset", "pip_words", "direction"),
    [("+800d", "certificate has expired", "ahead"), ("-30d", "certificate is not yet valid", "behind")],
    ids=["clock-ahead", "clock-behind"],
)
def test_a_wrong_local_clock(errors: ErrorLab, offset: str, pip_words: str, direction: str) -> None:
    python = python311()
    env = {"HTTPS_PROXY": errors.tunnel.url(), "PIP_CERT": str(errors.ca_path)}
    done = errors.pip_download(python, errors.url(), faketime=offset, **env)
    assert f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {pip_words}" in done.output, done.output
    data, text = doctor(errors, python, offset, PIP_INDEX_URL=errors.url(), **env)
    probe = data["probes"][0]
    assert probe["classification"] == "clock-skew", probe["message"]
    assert f"{'800' if direction == 'ahead' else '30'} days {direction}" in probe["message"]
    assert pip_words in probe["message"] and probe["server_date"] is not None
    assert (probe["clock_skew_seconds"] > 0) == (direction == "ahead")
    assert "next: set this machine's clock right" in text
    # With the clock right, the same chain verifies.
    assert errors.pip_download(python, errors.url(), **env).returncode == 0


def test_a_chain_from_the_future_with_a_date_header_that_agrees(errors: ErrorLab) -> None:
    python = python311()
    env = {"HTTPS_PROXY": errors.tunnel.url(), "PIP_CERT": str(errors.ca_path)}
    done = errors.pip_download(python, errors.url("ahead.corp.test"), **env)
    assert "certificate verify failed: certificate is not yet valid" in done.output
    data, _text = doctor(errors, python, None, PIP_INDEX_URL=errors.url("ahead.corp.test"), **env)
    probe = data["probes"][0]
    assert probe["classification"] == "clock-skew"
    assert "3 days behind" in probe["message"]
    assert -3 * 86400 - 120 < probe["clock_skew_seconds"] < -3 * 86400 + 120
