"""setup's last step: verify what setup did, in the views that later steps will see.

Setup exports its variables for later steps only (``$GITHUB_ENV``, an env file,
printed lines), so verify checks the durable files alone (``current``) and,
where variables were exported, with them too (``with-exports``). Which view
decides the exit code depends on whether the variables reach a later step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pip_tls_setup.diagnosis import verify
from pip_tls_setup.diagnosis.situation import DoctorRequest, Situation, add_supplied, prepare

if TYPE_CHECKING:
    from pip_tls_setup.ca.certs import CACert
    from pip_tls_setup.inject import flow

CURRENT = (
    "the durable files alone (pip config, certifi, OS store): what a step that does not load setup's variables sees"
)
WITH_EXPORTS = "plus the {count} variables setup exported ({delivered}): what later steps see"
ONLY_WITH_EXPORTS = (
    "pip verifies only with the exported variables: a later step that does not load them "
    "(a Docker RUN, another job) still fails; keep pip's config and certifi changes (no --no-pip-config)"
)
EXPORTS_BREAK = (
    "the durable files verify, but the exported variables make pip fail: a later step that loads them "
    "will not reach the index (see the with-exports checks above)"
)
FAILED = "setup applied its changes, but verification failed; '{undo}' restores everything"


def check_inputs(timeout: float, project: str, verifying: bool, env: Mapping[str, str]) -> None:
    """What setup's verify will need, checked before setup changes anything (bad input: exit 2, not half done)."""
    from pip_tls_setup.diagnosis import proxies
    from pip_tls_setup.diagnosis.probe import check_timeout

    check_timeout(timeout)
    if verifying:
        proxies.validate(env)
        verify.check_project(project)


def views(exported: Mapping[str, str], sinks: Sequence[str], files_only: bool) -> list[verify.View]:
    """``current`` always; ``with-exports`` when setup exported variables. ``files_only``: they reach no step."""
    found = [verify.View("current", CURRENT, decisive=not exported or files_only)]
    if exported:
        delivered = ", ".join(sinks) or "printed on stdout"
        text = WITH_EXPORTS.format(count=len(exported), delivered=delivered)
        found.append(verify.View("with-exports", text, exported, decisive=not files_only))
    return found


def run(
    result: flow.SetupResult,
    env: Mapping[str, str],
    pythons: Sequence[str],
    request: verify.VerifyRequest,
    in_container: bool,
) -> tuple[dict[str, Any], Situation]:
    """Verify each target setup acted on; the report and the situation (its secrets mask the output)."""
    verify.check_project(request.project)
    situation = prepare(
        DoctorRequest(root=result.request.root, pythons=pythons, timeout=request.timeout), env, with_targets=False
    )
    add_supplied(situation, result.request.cas.certs)
    exported = {v.name: v.value for v in result.plan.env}
    # In an image build (or for another root) printed variables reach no later step: files must do.
    files_only = not result.env_sinks and (not result.request.root.is_host or in_container)
    chosen = views(exported, result.env_sinks, files_only)
    report = verify.run(situation, request, result.targets, chosen, result.clients, result.client_context)
    report["ca_mismatch"] = ca_mismatch(report, result.request.cas.certs)
    return report, situation


def ca_mismatch(report: Mapping[str, Any], given: Sequence[CACert]) -> list[str]:
    """For each probe verify ran on a chain that none of setup's CAs signed: both CAs, names and fingerprints."""
    from pip_tls_setup.diagnosis import mismatch

    found: list[str] = []
    for probe_json in report.get("probes") or []:
        text = mismatch.describe(probe_json, given, "given to setup")
        if text and text not in found:
            found.append(text)
    return found


def warnings(report: Mapping[str, Any], undo: str = "pip-tls-setup undo") -> list[str]:
    """What the views' results mean for later steps."""
    failing_views = {
        t["view"] for t in report["targets"] if not t["decisive"] and any(not c["ok"] for c in t["checks"])
    }
    found: list[str] = list(report.get("ca_mismatch") or [])
    if report["ok"] and "current" in failing_views:
        found.append(ONLY_WITH_EXPORTS)
    if report["ok"] and "with-exports" in failing_views:
        found.append(EXPORTS_BREAK)
    if not report["ok"]:
        found.append(FAILED.format(undo=undo))
    return found
