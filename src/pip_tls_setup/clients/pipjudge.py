"""Reading what a pip (pip itself, pipenv's patched pip) printed when verify ran it."""

from __future__ import annotations

from pip_tls_setup.clients import base

CERT_WORDS = ("CERTIFICATE_VERIFY_FAILED", "confirming the ssl certificate", "ssl-verification-failed")
CONNECTION_WORDS = ("ProxyError", "Max retries exceeded", "Could not fetch URL", "NewConnectionError", "timed out")


def pip_download_judge(code: int, output: str) -> base.Outcome:
    """``pip download`` of a project: verified when the index answered (a 404: no matching distribution)."""
    if any(word in output for word in CERT_WORDS):
        return base.Outcome(base.UNTRUSTED, base.last_line(output, "CERTIFICATE_VERIFY_FAILED"))
    if any(word in output for word in CONNECTION_WORDS):
        return base.Outcome(base.FAILED, base.last_line(output, *CONNECTION_WORDS))
    if code == 0:
        return base.Outcome(base.VERIFIED, base.last_line(output, "Saved", "Successfully", "already"))
    if "No matching distribution" in output or "from versions: none" in output:
        return base.Outcome(
            base.VERIFIED, "TLS verified; the index has no such project (" + base.last_line(output, "matching") + ")"
        )
    return base.Outcome(base.FAILED, base.last_line(output, "error"))


def python_fetch_judge(code: int, output: str) -> base.Outcome:
    """A ``STATUS <code>`` / ``SSLERROR <text>`` / ``FAILED <text>`` line printed by a probe script."""
    for line in output.splitlines():
        if line.startswith("STATUS "):
            status = int(line.split()[1]) if line.split()[1].isdigit() else None
            return base.Outcome(base.VERIFIED, line, status)
        if line.startswith("SSLERROR "):
            return base.Outcome(base.UNTRUSTED, line[len("SSLERROR ") :])
    return base.Outcome(base.FAILED, base.last_line(output, "FAILED", "Error"))
