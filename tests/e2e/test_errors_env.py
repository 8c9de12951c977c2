"""Seed 6 and a common variant: a Python without its ssl module, and a CA bundle setting that names a missing
file. Both come from a real pip (the first from a Python whose ``_ssl`` extension is really absent, as a build
without OpenSSL's headers leaves it); doctor names them as traps with a next step. docs/errors.md cites these.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from corplab.errorlab import ErrorLab, python_without_ssl, target

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ErrorLab]:
    with ErrorLab(tmp_path_factory.mktemp("errors-env")) as running:
        yield running


def render_first_step(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("next:"))


def doctor(errors: ErrorLab, python: Any, **env: str) -> tuple[int, dict[str, Any], str]:
    data = errors.tool("doctor", "--json", "--python", str(python), **env)
    assert "Traceback" not in data.stderr, data.stderr
    text = errors.tool("doctor", "--python", str(python), **env)
    return data.returncode, json.loads(data.stdout), text.stdout


def test_the_ssl_module_is_not_available(errors: ErrorLab) -> None:
    python = python_without_ssl("3.9")
    if python is None:
        pytest.skip("needs Python 3.9 from pyenv")
    done = errors.pip_download(python, errors.url(), HTTPS_PROXY=errors.tunnel.url())
    assert (
        "WARNING: pip is configured with locations that require TLS/SSL, however the ssl module in Python is not "
        "available." in done.output
    )
    assert "Can't connect to HTTPS URL because the SSL module is not available." in done.output
    code, data, text = doctor(errors, python, HTTPS_PROXY=errors.tunnel.url(), PIP_INDEX_URL=errors.url())
    assert code == 1 and data["targets"][0]["ssl"] is False
    trap = next(t for t in data["traps"] if t["id"] == "no-ssl-module")
    assert "the ssl module in Python is not available" in trap["explanation"]
    assert "error[no-ssl-module]" in text and "rebuild or reinstall this Python with OpenSSL" in text


@pytest.mark.parametrize(("python", "pip"), [("3.8", "20.2.4"), ("3.11", None), ("3.11", "26.3")])
def test_could_not_find_a_suitable_ca_bundle(errors: ErrorLab, python: str, pip: str | None) -> None:
    interpreter = target(python, pip)
    if interpreter is None:
        pytest.skip(f"needs Python {python} from pyenv")
    missing = str(errors.workdir / "nowhere" / "corp-bundle.pem")
    done = errors.pip_download(interpreter, errors.url(), HTTPS_PROXY=errors.tunnel.url(), PIP_CERT=missing)
    assert f"OSError: Could not find a suitable TLS CA certificate bundle, invalid path: {missing}" in done.output
    code, data, text = doctor(
        errors, interpreter, PIP_INDEX_URL=errors.url(), PIP_CERT=missing, HTTPS_PROXY=errors.tunnel.url()
    )
    assert code == 1
    trap = next(t for t in data["traps"] if t["id"] == "ca-file-missing")
    assert missing in trap["title"] and "Could not find a suitable TLS CA certificate bundle" in trap["explanation"]
    assert "error[ca-file-missing]" in text and "fix: run setup: it writes the combined bundle" in text
    assert render_first_step(text).startswith("next: fix the errors among the known traps above")
