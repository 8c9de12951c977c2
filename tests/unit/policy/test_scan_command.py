"""``pip-tls-setup scan`` as a user runs it: exit codes, formats, --output, colours, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pip_tls_setup.policy import rules
from support.runs import ToolRunner


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def test_clean_repo_exits_0(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": "FROM python:3.12\nRUN pip install -i https://index.example/simple x\n"})
    run = tool("scan", str(root))
    assert run.returncode == 0, run.output
    assert "0 errors, 0 warnings; 0 notes" in run.stdout  # the report is on stdout, like a linter's
    assert run.stderr == ""


def test_notes_only_exit_0(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"ci.sh": "pip install --index-url $INDEX_URL foo\n"})
    run = tool("scan", str(root), "--format", "json")
    assert run.returncode == 0, run.output
    assert [f["rule"] for f in json.loads(run.stdout)["findings"]] == ["PTS401"]


def test_findings_exit_1_with_file_line_rule_and_fix(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"docker/Dockerfile": "FROM x\nRUN pip install --trusted-host idx.example foo\n"})
    run = tool("scan", str(root))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("docker/Dockerfile:2:32: PTS101 pip is told to trust host 'idx.example'")
    assert "Fix: " not in lines[0]  # the fix is in the footer, once per rule
    fix = rules.RULES["PTS101"].fix
    assert lines.count(f"  fix: {fix}") == 1 and "How to fix:" in lines
    assert "\033[" not in run.stdout  # not a TTY: no colours
    assert run.stderr == ""


def test_each_rules_fix_is_printed_once(tool: ToolRunner, tmp_path: Path) -> None:
    hosts = "".join(f"RUN pip install --trusted-host h{i}.example x\n" for i in range(5))
    root = repo(tmp_path, {"Dockerfile": "FROM x\n" + hosts, "requirements.txt": "-i http://mirror.example/simple\n"})
    run = tool("scan", str(root))
    assert run.returncode == 1
    out = run.stdout
    assert out.count(rules.RULES["PTS101"].fix) == 1 and out.count(rules.RULES["PTS201"].fix) == 1
    findings = [line for line in out.splitlines() if ": PTS" in line]
    assert len(findings) == 6 and all(line.split(":")[1].isdigit() for line in findings)
    assert "PTS101 (error) pip trusts a host (certificate verification off): 5 findings" in out


def test_json_flag_is_the_json_format_with_the_common_envelope(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"requirements.txt": "--trusted-host r.example\n"})
    data = json.loads(tool("scan", str(root), "--json").stdout)
    assert json.loads(tool("scan", str(root), "--format", "json").stdout) == data
    assert (data["schema_version"], data["command"], data["ok"]) == (1, "scan", False)
    assert data["tool_version"] == data["tool"]["version"]
    assert json.loads(tool("scan", str(tmp_path / "repo" / "requirements.txt"), "--json").stdout)["ok"] is False
    (root / "requirements.txt").write_text("requests\n", encoding="utf-8")
    assert json.loads(tool("scan", str(root), "--json").stdout)["ok"] is True


def test_json_contract_paths_relative_posix(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"a/b/requirements.txt": "--trusted-host r.example\n"})
    run = tool("scan", str(root), "--format", "json")
    assert run.returncode == 1
    (finding,) = json.loads(run.stdout)["findings"]
    assert (finding["rule"], finding["severity"], finding["path"], finding["line"]) == (
        "PTS101",
        "error",
        "a/b/requirements.txt",
        1,
    )
    assert "r.example" in finding["message"]


def test_default_path_is_the_current_directory(tool_env: dict[str, str], tmp_path: Path) -> None:
    root = repo(tmp_path, {"Makefile": "install:\n\tpip install --trusted-host mk.example x\n"})
    done = subprocess.run(
        [sys.executable, "-m", "pip_tls_setup", "scan", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        env=tool_env,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["findings"][0]["path"] == "Makefile"


def test_output_file_and_formats(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {".env": "PIP_INDEX_URL=http://env.example/simple\n"})
    for fmt in ("sarif", "gitlab", "github", "json", "text"):
        out = tmp_path / f"report.{fmt}"
        run = tool("scan", str(root), "--format", fmt, "--output", str(out))
        assert run.returncode == 1, run.output
        assert run.stdout == ""
        content = out.read_text(encoding="utf-8")
        if fmt in ("sarif", "gitlab", "json"):
            json.loads(content)
        if fmt == "github":
            assert content.startswith("::error file=.env,line=1,col=22,title=PTS201")
        if fmt == "text":
            assert content.startswith(".env:1:22: PTS201 ") and "\033[" not in content


def test_nonexistent_path_is_bad_input(tool: ToolRunner, tmp_path: Path) -> None:
    run = tool("scan", str(tmp_path / "nope"))
    assert run.returncode == 2
    assert (
        run.stderr.strip()
        == f"pip-tls-setup: error: {tmp_path / 'nope'}: does not exist; give a directory or file to scan"
    )
    assert "Traceback" not in run.output


def test_unwritable_output_is_bad_input(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": "FROM x\n"})
    run = tool("scan", str(root), "--output", str(tmp_path / "missing-dir" / "r.json"), "--format", "json")
    assert run.returncode == 2
    assert run.stderr.startswith("pip-tls-setup: error: --output ")


def test_bad_option_values_are_usage_errors(tool: ToolRunner, tmp_path: Path) -> None:
    run = tool("scan", str(tmp_path), "--format", "xml")
    assert run.returncode == 2 and "invalid choice" in run.stderr
    run = tool("scan", str(tmp_path), "--max-file-size", "lots")
    assert run.returncode == 2 and "is not a size" in run.stderr


def test_inline_ignore_without_reason_is_bad_input_and_names_the_line(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"ci.sh": "true\npip install --trusted-host h.example x # pip-tls-setup: ignore[PTS101]\n"})
    run = tool("scan", str(root))
    assert run.returncode == 2
    assert run.stderr.startswith("pip-tls-setup: error: ci.sh:2: inline ignore of PTS101 has no reason")


def test_secrets_are_not_echoed(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"ci.sh": "pip install -i http://deploy:hunter2@mirror.example/simple x\n"})
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        run = tool("scan", str(root), "--format", fmt)
        assert run.returncode == 1
        assert "hunter2" not in run.output, fmt


def test_fail_on_and_no_notes(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": "FROM x\nENV PYTHONHTTPSVERIFY=0\nRUN pip install $PIP_OPTS x\n"})
    assert tool("scan", str(root)).returncode == 1
    assert tool("scan", str(root), "--fail-on", "error").returncode == 0
    run = tool("scan", str(root), "--no-notes", "--format", "json")
    assert [f["rule"] for f in json.loads(run.stdout)["findings"]] == ["PTS108"]


def test_large_files_are_skipped_with_a_note(tool: ToolRunner, tmp_path: Path) -> None:
    root = repo(tmp_path, {"requirements.txt": "--trusted-host big.example\n" + "# pad\n" * 400})
    run = tool("scan", str(root), "--max-file-size", "1k", "--format", "json")
    assert run.returncode == 0, run.output
    (finding,) = json.loads(run.stdout)["findings"]
    assert finding["rule"] == "PTS402" and "--max-file-size" in finding["message"]


def test_scan_does_not_import_cryptography_or_certifi(tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": "FROM x\nRUN pip install --trusted-host a.example y\n"})
    code = (
        "import sys\n"
        "from pip_tls_setup.cli import main\n"
        f"rc = main(['scan', {str(root)!r}, '--format', 'json', '--output', {str(tmp_path / 'o.json')!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('cryptography', 'certifi', 'truststore'))\n"
        "print(rc, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "1 []", done.stdout + done.stderr


def test_help_has_examples(tool: ToolRunner) -> None:
    run = tool("scan", "--help")
    assert run.returncode == 0
    assert "examples:" in run.stdout and "--format sarif" in run.stdout and "exit codes" in run.stdout


def test_runtime_in_a_root(tool: ToolRunner, tmp_path: Path) -> None:
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "pip.conf").write_text("[global]\nindex-url = https://i.example/simple\ntrusted-host = i.example\n")
    run = tool("scan", "--runtime", "--root", str(root))
    assert run.returncode == 1, run.output
    assert run.stdout.splitlines()[0].startswith("/etc/pip.conf:3:16: PTS101 ")
    clean = tmp_path / "clean"
    clean.mkdir()
    assert tool("scan", "--runtime", "--root", str(clean)).returncode == 0
    assert tool("scan", "--runtime", "--root", str(tmp_path / "missing")).returncode == 2


def test_runtime_options_need_runtime(tool: ToolRunner, tmp_path: Path) -> None:
    run = tool("scan", str(tmp_path), "--python", sys.executable)
    assert run.returncode == 2 and run.stderr.startswith("pip-tls-setup: error: --python: only applies with --runtime")
    run = tool("scan", str(tmp_path), "--root", str(tmp_path))
    assert run.returncode == 2 and "only applies with --runtime" in run.stderr
