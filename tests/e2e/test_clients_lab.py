"""Issue 10, end to end: real clients behind the lab's intercepting proxy, setup as root WITH the OS store, in a
private mount namespace, so the host's files are never touched.

``unshare -m`` with private copies bind-mounted over ``/etc`` (``/etc/ssl``, ``/etc/pip.conf``, ``/etc/gitconfig``,
``/etc/uv``; the host's global pip config and constraints are removed from the copy), ``/usr/local/share/
ca-certificates``, ``/usr/etc`` (npm's globalconfig) and the cached tool venvs; ``HOME`` is a tmp directory. A
driver runs inside and reports each client in each view: before setup (fails: a TLS verification error), the
durable files alone (clean environment, no CA variable), files + the exported variables, and through the lab's
second proxy with another CA (refused). Node scripts are judged with the exports only (no durable channel). A
venv created after setup with the interpreter's bundled pip installs with no variables; three setups change
nothing after the first; verify exits 1 naming uv once uv's config is removed; undo restores every file and link,
``/etc/ssl/certs`` included.

Tools come from the registry once, cached under ``.cache/lab/clients`` (uv, pipenv, pdm, poetry in a pipx-style
venv); target venvs are built offline from the lab's wheelhouse.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from corplab.isolation import clean_env
from corplab.lab import INDEX_HOST, Lab
from corplab.pki import make_ca
from corplab.venvs import cache_dir, make_venv, pip_venv, pyenv_python

REPO = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare"),
]

VERSIONS = {"uv": "0.13.9", "pipenv": "2026.10.3", "pdm": "2.29.4", "poetry": "2.5.1"}
PDM_EXTRA = "hishel[httpx2]>=1.4,<1.5"  # pdm 2.29.4 fails with newer hishel ('no attribute SyncSqliteStorage')
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _run(argv: list[str], **kwargs: Any) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def tool_kit() -> Path:
    """uv, pipenv, pdm and a pipx-style poetry venv, installed once from the registry (the machine's own env)."""
    kit = cache_dir() / "clients"
    kit.mkdir(parents=True, exist_ok=True)
    with (kit / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = kit / ".ready"
        if marker.exists() and marker.read_text() == json.dumps(VERSIONS):
            return kit
        python = pyenv_python("3.11") or sys.executable
        for name, where in (("pipenv", "venvs/pipenv"), ("pdm", "venvs/pdm"), ("poetry", "pipx/venvs/poetry")):
            venv = kit / where
            shutil.rmtree(venv, ignore_errors=True)
            _run([python, "-m", "venv", str(venv)])
            extra = [PDM_EXTRA] if name == "pdm" else []
            _run([str(venv / "bin/pip"), "install", "-q", f"{name}=={VERSIONS[name]}", *extra])
        wheels = kit / "wheels"
        _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", "-d", str(wheels),
              f"uv=={VERSIONS['uv']}"])  # fmt: skip
        (kit / "bin").mkdir(exist_ok=True)
        wheel = next(wheels.glob(f"uv-{VERSIONS['uv']}-*.whl"))
        _run(["unzip", "-qo", str(wheel), f"uv-{VERSIONS['uv']}.data/scripts/uv", "-d", str(kit / "uvx")])
        shutil.move(str(kit / "uvx" / f"uv-{VERSIONS['uv']}.data/scripts/uv"), kit / "bin" / "uv")
        (kit / "bin" / "uv").chmod(0o755)
        shutil.rmtree(kit / "uvx", ignore_errors=True)
        for name in ("pipenv", "pdm"):
            link = kit / "bin" / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(kit / "venvs" / name / "bin" / name)
        marker.write_text(json.dumps(VERSIONS))
    return kit


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Everything the driver measured inside the namespace (one run for the whole module)."""
    kit = tool_kit()
    tmp = tmp_path_factory.mktemp("clients")
    python311 = pyenv_python("3.11")
    if python311 is None:
        pytest.skip("needs a pyenv Python 3.11")
    with Lab(tmp / "lab") as lab:
        stranger = make_ca("Unknown Interception Root", "Somebody Else")
        with lab.another_proxy(stranger) as other:
            args = prepare(tmp, kit, lab, other.url, python311)
            argv = namespace(tmp, kit, args)
            done = subprocess.run(argv, capture_output=True, text=True, check=False, env=clean_env(tmp / "outer"))
    if done.returncode != 0:
        raise AssertionError(f"driver failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}")
    data: dict[str, Any] = json.loads((tmp / "result.json").read_text())
    print_table(data)
    return data


def prepare(tmp: Path, kit: Path, lab: Lab, other_proxy: str, python311: str) -> dict[str, Any]:
    """Private copies, the target venvs, the driver's arguments."""
    private = tmp / "private"
    private.mkdir()
    _run(["cp", "-a", "/etc", str(private / "etc")])
    for hidden in ("pip.conf", "xdg/pip"):  # the machine's global pip config and constraints: not ours to read
        path = private / "etc" / hidden
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    _run(["cp", "-a", "/usr/local/share/ca-certificates", str(private / "local-ca")])
    if Path("/usr/etc").is_dir():
        _run(["cp", "-a", "/usr/etc", str(private / "usr-etc")])
    for where in ("venvs/pipenv", "venvs/pdm", "pipx/venvs/poetry"):
        _run(["cp", "-a", "--reflink=auto", str(kit / where), str(private / where.replace("/", "-"))])
    return {
        "tmp": str(tmp),
        "kit": str(kit),
        "repo": str(REPO),
        "python": sys.executable,
        "python311": python311,
        "ca": str(lab.ca_path),
        "index": lab.index_url,
        "host": INDEX_HOST,
        "proxy": lab.proxy_url,
        "other_proxy": other_proxy,
        "bundled": str(make_venv(tmp / "venv-bundled", python=python311)),
        "newest": str(make_venv(tmp / "venv-newest", python=python311, newest_pip=True, requests=True)),
        "pip24": str(pip_venv(python311, "24.2")),
        "pip25": str(pip_venv(python311, "25.0.1")),
        "path": f"{kit / 'bin'}:{HOST_PATH}",
    }


def namespace(tmp: Path, kit: Path, args: dict[str, Any]) -> list[str]:
    private = tmp / "private"
    mounts = [(private / "etc", "/etc"), (private / "local-ca", "/usr/local/share/ca-certificates")]
    if (private / "usr-etc").is_dir():
        mounts.append((private / "usr-etc", "/usr/etc"))
    for where in ("venvs/pipenv", "venvs/pdm", "pipx/venvs/poetry"):
        mounts.append((private / where.replace("/", "-"), str(kit / where)))
    script = "set -e\n" + "".join(f'mount --bind "{src}" "{dst}"\n' for src, dst in mounts) + 'exec "$@"\n'
    (tmp / "args.json").write_text(json.dumps(args))
    (tmp / "driver.py").write_text(DRIVER)
    driver = [sys.executable, str(tmp / "driver.py"), str(tmp / "args.json")]
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "ns", *driver]


VIEWS = ("before", "files", "exports", "other")


def print_table(data: dict[str, Any]) -> None:
    print("\nclient | version | before setup | files alone | files + exports | other CA")
    for name, version in data["versions"].items():
        cells = [data["phases"].get(view, {}).get(name, {}).get("state", "-") for view in VIEWS]
        print(f"{name} | {version} | " + " | ".join(cells))


CLIENTS = ["pip-bundled", "pip-newest", "pip-24.2", "pip-25.0.1", "requests", "uv", "pipenv", "poetry", "pdm",
           "git", "curl", "urllib", "npm"]  # fmt: skip


@pytest.mark.parametrize("client", CLIENTS)
def test_client_fails_before_and_works_with_the_files_alone(measured: dict[str, Any], client: str) -> None:
    phases = measured["phases"]
    assert phases["before"][client]["state"] == "untrusted", phases["before"][client]
    assert phases["files"][client]["state"] == "verified", phases["files"][client]
    assert phases["exports"][client]["state"] == "verified", phases["exports"][client]
    assert phases["other"][client]["state"] == "untrusted", phases["other"][client]


def test_node_scripts_work_with_the_exports(measured: dict[str, Any]) -> None:
    phases = measured["phases"]
    assert phases["before"]["node"]["state"] == "untrusted"
    assert phases["files"]["node"]["state"] == "untrusted"  # no durable channel: said in docs and doctor
    assert phases["exports"]["node"]["state"] == "verified"
    assert phases["other"]["node"]["state"] == "untrusted"


def test_a_venv_created_after_setup_installs_with_no_variables(measured: dict[str, Any]) -> None:
    assert measured["phases"]["files"]["new-venv"]["state"] == "verified", measured["phases"]["files"]["new-venv"]


def test_setup_verified_every_client_and_later_runs_change_nothing(measured: dict[str, Any]) -> None:
    first, second, third = measured["setups"]
    assert first["rc"] == 0, first
    verified = first["report"]["verify"]
    assert verified["ok"] is True, verified["summary"]
    ok = {(c["client"], c["view"]) for c in verified["clients"] if c["ok"]}
    for client in ("uv", "pipenv", "git", "curl", "npm", "urllib"):
        assert {(client, "current"), (client, "with-exports")} <= ok, (client, verified["clients"])
    assert ("node", "with-exports") in ok and ("node", "current") not in ok
    written = {c["path"] for c in first["report"]["changes"]}
    assert {"/etc/uv/uv.toml", "/etc/gitconfig", "/etc/pip.conf"} <= written, written
    assert second["rc"] == third["rc"] == 0
    assert second["report"]["changed"] is False and third["report"]["changed"] is False
    assert second["report"]["changes"] == [] and third["report"]["changes"] == []


def test_verify_names_uv_when_its_config_is_removed(measured: dict[str, Any]) -> None:
    configured, removed = measured["verify"]
    uv_ok = [c for c in configured["report"]["clients"] if c["client"] == "uv"]
    assert uv_ok and all(c["ok"] for c in uv_ok), configured["report"]["clients"]
    assert removed["rc"] == 1
    assert "uv" in removed["report"]["summary"]["failed_clients"]
    assert "uv" in removed["stderr"]


def test_doctor_lists_the_clients_and_their_traps(measured: dict[str, Any]) -> None:
    report = measured["doctor"]["report"]
    schema = json.loads((REPO / "docs" / "schemas" / "doctor.schema.json").read_text())
    jsonschema.validate(report, schema, format_checker=jsonschema.FormatChecker())
    found = {c["client"]: c for c in report["clients"]}
    assert {"pip", "uv", "pipenv", "pdm", "tool-venvs", "git", "curl", "npm", "node", "urllib"} <= set(found)
    assert found["uv"]["will_verify"] is False and found["node"]["will_verify"] is False
    assert found["git"]["will_verify"] is False  # the OS bundle lacks the interception CA before setup
    assert any(v.endswith("pipx/venvs/poetry/bin/python") for v in found["tool-venvs"]["venvs"])
    traps = {t["id"] for t in report["traps"]}
    wanted = {"uv-builtin-roots", "git-gnutls-ignores-ssl-cert-file", "node-ignores-os-store", "pipenv-vendored-pip"}
    assert wanted <= traps


def test_undo_restores_every_file_and_link(measured: dict[str, Any]) -> None:
    assert measured["undo"]["rc"] == 0, measured["undo"]
    before, after = measured["snapshots"]
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert changed == [], changed[:20]
    assert any(k.startswith("/etc/ssl/certs/") for k in before)


DRIVER = r'''"""Runs inside the private mount namespace (root): every client in every view, setup x3, verify, undo."""

import json
import os
import shutil
import subprocess
import sys

ARGS = json.load(open(sys.argv[1]))
sys.path.insert(0, os.path.join(ARGS["repo"], "tests"))
sys.path.insert(0, os.path.join(ARGS["repo"], "examples", "lab"))

from corplab.isolation import clean_env  # noqa: E402

from pip_tls_setup.clients import git, node, pipjudge  # noqa: E402
from pip_tls_setup.clients.base import FAILED, UNTRUSTED, VERIFIED, Outcome, last_line  # noqa: E402
from pip_tls_setup.clients.projecttools import POETRY_FETCH  # noqa: E402
from pip_tls_setup.clients.urllib import FETCH as URLLIB_FETCH  # noqa: E402
from support.roots import snapshot  # noqa: E402

TMP, KIT, INDEX = ARGS["tmp"], ARGS["kit"], ARGS["index"]
PAGE = INDEX + "corp-hello/"
HOME = os.path.join(TMP, "home")
STATE = os.path.join(TMP, "state")
ENV_FILE = os.path.join(TMP, "later.env")
PIPENV = os.path.join(KIT, "venvs/pipenv")
PDM = os.path.join(KIT, "venvs/pdm")
POETRY = os.path.join(KIT, "pipx/venvs/poetry")
RUNNER = os.path.join(PIPENV, "lib/python3.11/site-packages/pipenv/patched/pip/__pip-runner__.py")
REQUESTS = (
    "import sys, requests\n"
    "try:\n"
    "    print('STATUS', requests.get(sys.argv[1], timeout=20).status_code)\n"
    "except requests.exceptions.SSLError as exc:\n"
    "    print('SSLERROR', exc)\n"
)
WATCHED = ["/etc/ssl", "/etc/pip.conf", "/etc/gitconfig", "/etc/uv", "/etc/pip-tls-setup", "/etc/conda",
           "/usr/local/share/ca-certificates", "/usr/etc", HOME, PIPENV, PDM, POETRY,
           os.path.dirname(os.path.dirname(ARGS["bundled"])),
           os.path.dirname(os.path.dirname(ARGS["newest"]))]  # fmt: skip


def env_for(proxy, extra=None):
    env = clean_env(__import__("pathlib").Path(HOME), PATH=ARGS["path"], HTTPS_PROXY=proxy, https_proxy=proxy,
                    PIPX_HOME=os.path.join(KIT, "pipx"), PDM_CHECK_UPDATE="false", PDM_PYPI_URL=INDEX,
                    npm_config_cache=os.path.join(TMP, "npm-cache"), npm_config_update_notifier="false",
                    GIT_TERMINAL_PROMPT="0", UV_NO_PROGRESS="1",
                    XDG_CACHE_HOME=os.path.join(TMP, "cache"),
                    XDG_STATE_HOME=os.path.join(TMP, "xdg-state"))  # fmt: skip
    env.update(extra or {})
    return env


def run(argv, env, stdin=None, cwd=None):
    done = subprocess.run(argv, env=env, input=stdin, cwd=cwd or TMP, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def rc_judge(code, output):
    if any(w in output for w in ("CERTIFICATE_VERIFY_FAILED", "UnknownIssuer", "invalid peer certificate")):
        return Outcome(UNTRUSTED, last_line(output, "CERTIFICATE_VERIFY_FAILED", "UnknownIssuer"))
    return Outcome(VERIFIED if code == 0 else FAILED, last_line(output, "Saved", "Resolved", "Lock", "error"))


def fetched(code, output):
    outcome = pipjudge.python_fetch_judge(code, output)
    return outcome if outcome.state != VERIFIED or outcome.status == 200 else Outcome(FAILED, outcome.line)


def curl_judge(code, output):
    if code == 60 or "certificate" in output.lower():
        return Outcome(UNTRUSTED, last_line(output, "curl: ("))
    return Outcome(VERIFIED if code == 0 and "200" in output else FAILED, output.strip()[-200:])


def pip_download(python):
    def probe(env):
        out = os.path.join(TMP, "dl", os.urandom(4).hex())
        argv = [python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--retries", "0", "--timeout", "15",
                "-d", out, "--index-url", INDEX, "corp-hello"]  # fmt: skip
        return rc_judge(*run(argv, env))
    return probe


def pdm_lock(env):
    project = os.path.join(TMP, "pdm-project-" + os.urandom(4).hex())
    os.makedirs(project)
    with open(os.path.join(project, "pyproject.toml"), "w") as handle:
        handle.write('[project]\nname = "probe"\nversion = "0"\nrequires-python = ">=3.8"\n')
        handle.write('dependencies = ["corp-hello"]\n')
    return rc_judge(*run([os.path.join(PDM, "bin/pdm"), "lock", "-q"], env, cwd=project))


PROBES = {
    "pip-bundled": pip_download(ARGS["bundled"]),
    "pip-newest": pip_download(ARGS["newest"]),
    "pip-24.2": pip_download(ARGS["pip24"]),
    "pip-25.0.1": pip_download(ARGS["pip25"]),
    "requests": lambda env: fetched(*run([ARGS["newest"], "-c", REQUESTS, PAGE], env)),
    "uv": lambda env: rc_judge(*run(["uv", "pip", "compile", "-", "--no-cache", "--index-url", INDEX, "--python",
                                     ARGS["bundled"]], env, stdin="corp-hello\n")),  # fmt: skip
    "pipenv": lambda env: rc_judge(*run([os.path.join(PIPENV, "bin/python"), RUNNER, "download", "--no-deps",
                                         "--retries", "0", "-d", os.path.join(TMP, "dl-pipenv"), "--index-url", INDEX,
                                         "corp-hello"], env)),  # fmt: skip
    "poetry": lambda env: fetched(*run([os.path.join(POETRY, "bin/python"), "-c", POETRY_FETCH, PAGE], env)),
    "pdm": pdm_lock,
    "git": lambda env: git.judge(*run(["git", "ls-remote", f"https://{ARGS['host']}/"], env)),
    "curl": lambda env: curl_judge(*run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20",
                                         PAGE], env)),  # fmt: skip
    "urllib": lambda env: fetched(*run(["/usr/bin/python3", "-c", URLLIB_FETCH, PAGE], env)),
    "npm": lambda env: node.npm_judge(*run(["npm", "ping", "--registry", f"https://{ARGS['host']}/",
                                            "--fetch-retries", "0"], env)),  # fmt: skip
    "node": lambda env: node.judge(*run(["node", "-e", node.NODE_FETCH, PAGE], env)),
}


def measure(env):
    return {name: {"state": o.state, "line": o.line[-300:]} for name, o in ((n, p(env)) for n, p in PROBES.items())}


def tool(*argv, env):
    code, out = run([ARGS["python"], "-m", "pip_tls_setup", *argv], env)
    report = None
    start = out.find("{\n")
    if "--json" in argv and start >= 0:
        report, _end = json.JSONDecoder().raw_decode(out[start:])
    return {"rc": code, "report": report, "stderr": out[-4000:] if report is None else out[:start][-4000:]}


def versions():
    def first(argv):
        code, out = run(argv, env_for(ARGS["proxy"]))
        return out.strip().splitlines()[0] if out.strip() else "?"
    return {
        "pip-bundled": first([ARGS["bundled"], "-m", "pip", "--version"]).split(" from ")[0],
        "pip-newest": first([ARGS["newest"], "-m", "pip", "--version"]).split(" from ")[0],
        "pip-24.2": "pip 24.2", "pip-25.0.1": "pip 25.0.1",
        "requests": first([ARGS["newest"], "-c", "import requests; print(requests.__version__)"]),
        "uv": first(["uv", "--version"]), "pipenv": first([os.path.join(PIPENV, "bin/pipenv"), "--version"]),
        "poetry": first([os.path.join(POETRY, "bin/poetry"), "--version"]),
        "pdm": first([os.path.join(PDM, "bin/pdm"), "--version"]), "git": first(["git", "--version"]),
        "curl": first(["curl", "--version"])[:12], "urllib": first(["/usr/bin/python3", "--version"]),
        "npm": "npm " + first(["npm", "--version"]), "node": "node " + first(["node", "--version"]),
    }  # fmt: skip


def main():
    os.makedirs(HOME, exist_ok=True)
    result = {"phases": {}, "setups": [], "verify": [], "versions": versions()}
    before = snapshot(*map(__import__("pathlib").Path, WATCHED))
    base = env_for(ARGS["proxy"], {"PIP_INDEX_URL": INDEX, "PIP_TLS_SETUP_STATE_DIR": STATE})
    result["phases"]["before"] = measure(env_for(ARGS["proxy"]))
    result["doctor"] = tool("doctor", "--json", "--timeout", "60", env=base)
    common = ["setup", "--ca", ARGS["ca"], "--python", ARGS["bundled"], "--python", ARGS["newest"], "--json",
              "--probe-project", "corp-hello", "--timeout", "60"]  # fmt: skip
    common += [f"--client={name}" for name in ("pip", "uv", "pipenv", "poetry", "pdm", "hatch", "tool-venvs",
                                               "conda", "git", "curl", "npm", "node", "urllib")]  # fmt: skip
    result["setups"].append(tool(*common, "--env-file", ENV_FILE, env=base))
    if not os.path.exists(ENV_FILE):
        raise SystemExit("setup failed: " + json.dumps(result["setups"][0])[-6000:])
    result["phases"]["files"] = measure(env_for(ARGS["proxy"]))
    exports = dict(line.split("=", 1) for line in open(ENV_FILE).read().splitlines() if "=" in line)
    result["phases"]["exports"] = measure(env_for(ARGS["proxy"], exports))
    result["phases"]["other"] = measure(env_for(ARGS["other_proxy"], exports))
    new = os.path.join(TMP, "venv-after-setup")
    subprocess.run([ARGS["python311"], "-m", "venv", new], env=env_for(ARGS["proxy"]), check=True)
    outcome = pip_download(os.path.join(new, "bin/python"))(env_for(ARGS["proxy"]))
    result["phases"]["files"]["new-venv"] = {"state": outcome.state, "line": outcome.line}
    for _ in range(2):
        result["setups"].append(tool(*common, "--no-verify", "--env-file", ENV_FILE, env=base))
    checks = ["verify", "--json", "--probe-project", "corp-hello", "--timeout", "60"]
    result["verify"].append(tool(*checks, env=base))
    os.remove("/etc/uv/uv.toml")
    removed = tool(*checks, env=base)
    code, text = run([ARGS["python"], "-m", "pip_tls_setup", *checks[:1], "--probe-project", "corp-hello"], base)
    removed["stderr"] = text[-4000:]
    result["verify"].append(removed)
    result["undo"] = tool("undo", env=base)
    shutil.rmtree(new, ignore_errors=True)
    after = snapshot(*map(__import__("pathlib").Path, WATCHED))
    result["snapshots"] = [before, after]
    json.dump(result, open(os.path.join(TMP, "result.json"), "w"), indent=1)


main()
'''
