"""Reading the CLI's JSON contracts for the CI run steps (platforms.report) and the Docker ENV hint."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from pip_tls_setup.inject.plan import EnvVar
from pip_tls_setup.platforms import cli_contract, detect, docker
from pip_tls_setup.platforms.cli_contract import Facts, Result


def test_detect_platform() -> None:
    assert detect({"GITHUB_ACTIONS": "true"}) == "github"
    assert detect({"GITLAB_CI": "true"}) == "gitlab"
    assert detect({}) == "local"


def test_findings_from_scan_json_contract() -> None:
    data = {
        "findings": [
            {"rule": "PTS101", "severity": "error", "path": "a/req.txt", "line": 3, "message": "m", "fix": "f"},
            {"rule": "PTS9", "severity": "note", "path": "ci.yml", "line": None, "message": "http://u:pw@h/ x"},
            "not a finding",
        ]
    }
    found = cli_contract.findings_from(data)
    assert [(f.rule, f.path, f.line, f.fix) for f in found] == [
        ("PTS101", "a/req.txt", 3, "f"),
        ("PTS9", "ci.yml", 0, ""),
    ]
    assert "pw" not in found[1].message
    facts = Facts(findings=found)
    assert facts.findings_count == 1  # notes are informational
    assert cli_contract.findings_from(None) == []


def test_apply_doctor_reads_the_summary_headline() -> None:
    facts = Facts()
    cli_contract.apply_doctor(
        facts,
        {
            "summary": {
                "proxy": "http://bob:****@127.0.0.1:3128",
                "intercepted": True,
                "issuer": "O=Example Corp,CN=Example Corp TLS Inspection Root CA",
                "product": "Zscaler",
                "message": "signed by a CA that is not public",
            }
        },
    )
    assert facts.proxy == "http://bob:****@127.0.0.1:3128"
    assert facts.intercepted == "true"
    assert facts.issuer.endswith("Inspection Root CA")
    assert facts.vendor == "Zscaler"
    assert facts.diagnosis == "signed by a CA that is not public"
    clean = Facts()
    cli_contract.apply_doctor(clean, {"summary": {"proxy": None, "intercepted": False, "issuer": None}})
    assert (clean.proxy, clean.intercepted, clean.issuer) == ("", "false", "")
    unknown = Facts()
    cli_contract.apply_doctor(unknown, {"summary": {"intercepted": None}})
    assert unknown.intercepted == ""


def test_apply_setup_reads_setup_json() -> None:
    facts = Facts()
    cli_contract.apply_setup(
        facts,
        {
            "bundle": "/etc/pip-tls-setup/ca-bundle.pem",
            "cas": [{"subject": "CN=Root", "sha256": "ab" * 32, "not_after": "2030-01-01T00:00:00+00:00"}],
            "targets": [{"executable": "/usr/bin/python3", "python": "3.11.2", "pip": "23.0.1"}],
            "changes": [{"path": "/etc/pip.conf", "action": "update", "reason": "cert ="}],
            "env": {"PIP_CERT": "/etc/pip-tls-setup/ca-bundle.pem"},
            "notes": [{"level": "warning", "topic": "os-store", "message": "skipped"}, {"level": "info"}],
            "verify": {"ok": True},
        },
    )
    assert facts.bundle == "/etc/pip-tls-setup/ca-bundle.pem"
    assert facts.cas == [f"CN=Root sha256:{'ab' * 32} until 2030-01-01"]
    assert facts.targets == ["/usr/bin/python3 (Python 3.11.2, pip 23.0.1)"]
    assert facts.changes[0].path == "/etc/pip.conf"
    assert facts.notes == ["os-store: skipped"]
    assert facts.verified == "passed"
    assert facts.outputs() == {
        "bundle-path": "/etc/pip-tls-setup/ca-bundle.pem",
        "proxy": "",
        "intercepted": "",
        "issuer": "",
        "findings": "0",
    }
    text = cli_contract.text(facts)
    assert "update   /etc/pip.conf" in text and "verify   passed" in text


def test_proxy_from_env_and_secrets_never_leak() -> None:
    env = {"HTTPS_PROXY": "http://alice:s3cret@proxy:3128", "no_proxy": "x", "PIP_PROXY": "tok3n@p:1"}
    assert cli_contract.proxy_from_env(env) == "http://alice:****@proxy:3128"
    assert cli_contract.proxy_from_env({"https_proxy": "proxy:8080"}) == "http://proxy:8080"
    assert cli_contract.proxy_from_env({}) == ""
    basic = [base64.b64encode(b"alice:s3cret").decode(), base64.b64encode(b"tok3n:").decode()]
    assert sorted(cli_contract.proxy_secrets(env)) == sorted(["s3cret", "tok3n", *basic])  # + Basic tokens


def test_result_errors_and_unavailable() -> None:
    res = Result(["setup"], 2, "", "warning: x\npip-tls-setup: error: --ca a.pem: does not exist; check it\n")
    assert res.errors == ["--ca a.pem: does not exist; check it"]
    assert res.command == "setup"
    assert Result(["scan"], 2, "", "pip-tls-setup: error: scan: is not implemented yet").unavailable
    assert not Result(["scan"], 1, "{}", "").unavailable
    assert Result(["x"], 0, "not json", "").json() is None
    assert Result(["x"], 0, "[1]", "").json() is None


def test_invoke_runs_the_cli_of_this_interpreter() -> None:
    done = cli_contract.invoke(["--version"], {"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "pip-tls-setup" in done.stdout
    assert sys.executable  # the tool's own environment runs the CLI
    late = cli_contract.invoke(["doctor", "--json"], {"PATH": "/usr/bin:/bin"}, timeout=0.001)
    assert late.returncode == cli_contract.TIMED_OUT and late.errors == ["doctor: did not finish within 0 s"]


def test_lists_arrive_as_json_arrays_or_lines() -> None:
    assert cli_contract.parse_list(' ["a b", "c"]') == ["a b", "c"]
    assert cli_contract.parse_list("a\nb, c\n\n") == ["a", "b", "c"]
    assert cli_contract.parse_list(" []") == [] and cli_contract.parse_list("") == []
    assert cli_contract.parse_list("[not json") == ["[not json"]


def test_one_set_of_inputs_for_both_wrappers() -> None:
    inputs = cli_contract.Inputs.read(
        {"PTS_TARGETS": ' ["/py"]', "PTS_CA_FILE": "c.pem", "PTS_VERIFY": "false", "PTS_SCAN_PATHS": ""}
    )
    assert inputs.target_args() == ["--ca", "c.pem", "--python", "/py"]
    assert inputs.scan_paths == (".",) and inputs.cleanup == "auto"
    assert inputs.setup_args("/s") == ["--mode", "enforce", "--no-verify", "--state-dir", "/s"]
    assert cli_contract.input_variable("scan-paths") == "PTS_SCAN_PATHS"


def test_cleanup_plan_by_choice_and_runner() -> None:
    env = {"HOME": "/home/u"}
    assert cli_contract.cleanup_plan("auto", True, "self-hosted", "/job", env).state_dir == "/job/state"
    assert not cli_contract.cleanup_plan("auto", False, "hosted", "/job", env).enabled
    assert cli_contract.cleanup_plan("always", False, "hosted", "/job", env).enabled
    assert not cli_contract.cleanup_plan("never", True, "self-hosted", "/job", env).enabled


def test_docker_hint_only_inside_a_container(tmp_path: Path) -> None:
    variables = [EnvVar("SSL_CERT_FILE", "/etc/pip-tls-setup/ca-bundle.pem", "r")]
    marker = tmp_path / ".containerenv"
    assert docker.build_hint(variables, None, True, {}, markers=[str(marker)]) == ""
    marker.write_text("")
    hint = docker.build_hint(variables, None, True, {}, markers=[str(marker)])
    assert hint.startswith("# RUN cannot set ENV") and "ENV SSL_CERT_FILE=/etc/pip-tls-setup/ca-bundle.pem" in hint
    assert docker.build_hint(variables, "shell", True, {}, markers=[str(marker)]) == ""  # an explicit format wins
    assert docker.build_hint(variables, None, False, {}, markers=[str(marker)]) == ""  # --root: not this container
    assert docker.in_container({"container": "podman"}, markers=[])


def test_a_cleanup_with_no_journal_is_nothing_to_undo() -> None:
    none = Result(["undo", "--json"], 1, '{"command": "undo", "ok": false, "journal": null}', "")
    assert cli_contract.nothing_to_undo(none)
    failed = Result(["undo", "--json"], 1, '{"command": "undo", "ok": false, "journal": "/s/journal.json"}', "")
    assert not cli_contract.nothing_to_undo(failed)
    assert not cli_contract.nothing_to_undo(Result(["undo"], 2, "", "pip-tls-setup: error: x"))


def test_a_failed_verification_names_what_failed() -> None:
    facts = Facts()
    verify = {
        "ok": False,
        "targets": [{"view": "current", "decisive": True, "checks": [{"client": "pip", "ok": True, "message": "x"}]}],
        "clients": [
            {"client": "node", "view": "with-exports", "decisive": True, "ok": False, "message": "proxy answered 407"},
            {"client": "node", "view": "current", "decisive": False, "ok": False, "message": "not decisive"},
        ],
    }
    cli_contract.apply_setup(facts, {"bundle": "/b.pem", "verify": verify})
    assert facts.verified == "failed: node (with-exports): proxy answered 407"
