"""Measure which pip prints which error, for each cause in docs/errors.md: the table there comes from this.

    PYTHONPATH=examples/lab .venv/bin/python -m corplab.errormatrix [SCENARIO ...]

Runs ``pip download`` of the lab project with every pip in ``PIPS`` (pyenv Pythons; a missing one is shown
as ``-``) against each scenario of ``corplab.errorlab`` and prints a Markdown table: the first known phrase
found in pip's output, ``ok`` when the download worked, or the last line otherwise. Needs root for the
mount namespace that masks the host's pip config, and faketime for the clock rows.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from corplab.errorlab import ErrorLab, python_without_ssl, target
from corplab.venvs import pyenv_python

# (python, pip or None for the one it bundles, with pyOpenSSL installed next to it)
PIPS = [
    ("3.8", "20.1.1", True),
    ("3.8", "20.2.4", False),
    ("3.8", "20.3", False),
    ("3.9", "21.1.3", False),
    ("3.9", "21.2.4", False),
    ("3.9", "21.3.1", False),
    ("3.10", None, False),
    ("3.11", None, False),
    ("3.13", None, False),
    ("3.11", "26.0.1", False),
    ("3.11", "26.3", False),
]
PHRASES = (
    "check_hostname requires server_hostname",
    "Your proxy appears to only use HTTP and not HTTPS",
    "bad handshake: SysCallError(-1, 'Unexpected EOF')",
    "bad handshake: SysCallError(104, 'ECONNRESET')",
    "bad handshake: Error(",
    "WRONG_VERSION_NUMBER",
    "UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
    "TLS/SSL connection has been closed (EOF)",
    "Connection reset by peer",
    "Read timed out",
    "certificate has expired",
    "certificate is not yet valid",
    "unable to get local issuer certificate",
    "self-signed certificate in certificate chain",
    "the ssl module in Python is not available",
    "Could not find a suitable TLS CA certificate bundle",
)


def scenarios(lab: ErrorLab) -> dict[str, tuple[str, dict[str, str], str | None]]:
    """name -> (index URL, environment, faketime offset)."""
    ca = str(lab.ca_path)
    return {
        "https:// proxy URL (IP), plain proxy answers 400": (
            lab.url(),
            {"HTTPS_PROXY": lab.tls400.url(scheme="https"), "PIP_CERT": ca},
            None,
        ),
        "https:// proxy URL (name), plain proxy hangs up": (
            lab.url(),
            {"HTTPS_PROXY": lab.tlsclose.url(scheme="https", host="localhost"), "PIP_CERT": ca},
            None,
        ),
        "proxy closes the tunnel": (lab.url(), {"HTTPS_PROXY": lab.cut.url()}, None),
        "proxy resets the tunnel": (lab.url(), {"HTTPS_PROXY": lab.reset.url()}, None),
        "private CA, through a proxy": (lab.url(), {"HTTPS_PROXY": lab.tunnel.url()}, None),
        "private CA, no proxy (index at an IP)": (lab.direct.url, {}, None),
        "silent after the handshake": (
            lab.url("silent.corp.test"),
            {"HTTPS_PROXY": lab.tunnel.url(), "PIP_CERT": ca},
            None,
        ),
        "clock 800 days ahead": (lab.url(), {"HTTPS_PROXY": lab.tunnel.url(), "PIP_CERT": ca}, "+800d"),
        "clock 30 days behind": (lab.url(), {"HTTPS_PROXY": lab.tunnel.url(), "PIP_CERT": ca}, "-30d"),
        "PIP_CERT names a missing file": (
            lab.url(),
            {"HTTPS_PROXY": lab.tunnel.url(), "PIP_CERT": "/nowhere.pem"},
            None,
        ),
    }


def verdict(returncode: int, output: str) -> str:
    if returncode == 0:
        return "ok"
    found = next((p for p in PHRASES if p in output), None)
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return found or (lines[-1][:60] if lines else f"exit {returncode}")


def main(argv: list[str]) -> int:
    wanted = set(argv)
    pips = [(py, pip, ossl, target(py, pip, ossl) if pyenv_python(py) else None) for py, pip, ossl in PIPS]
    header = [f"{pip or 'bundled'} (py{py}{', pyOpenSSL' if ossl else ''})" for py, pip, ossl, _ in pips]
    print("| cause | " + " | ".join(header) + " |")
    print("|---|" + "---|" * len(pips))
    with ErrorLab(Path(tempfile.mkdtemp(prefix="pts-errormatrix-"))) as lab:
        for name, (url, env, faketime) in scenarios(lab).items():
            if wanted and name not in wanted:
                continue
            if faketime and shutil.which("faketime") is None:
                continue
            cells = []
            for _py, _pip, _ossl, python in pips:
                if python is None:
                    cells.append("-")
                    continue
                done = lab.pip_download(python, url, faketime=faketime, **env)
                cells.append(f"`{verdict(done.returncode, done.output)}`")
            print(f"| {name} | " + " | ".join(cells) + " |")
        nossl = python_without_ssl("3.9")
        if nossl is not None and (not wanted or "no ssl module" in wanted):
            done = lab.pip_download(nossl, lab.url(), HTTPS_PROXY=lab.tunnel.url())
            print(f"\nno ssl module (Python 3.9 without _ssl, bundled pip): `{verdict(done.returncode, done.output)}`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
