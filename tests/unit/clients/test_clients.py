"""Each client module's find and plan against fixtures of its config files (users' own settings are kept)."""

from __future__ import annotations

import pytest

from conftest import BUNDLE, FakeRoot, apply
from pip_tls_setup import clients
from pip_tls_setup.clients import ClientError
from pip_tls_setup.clients.conda import Conda
from pip_tls_setup.clients.curl import Curl
from pip_tls_setup.clients.git import Git
from pip_tls_setup.clients.node import Node, Npm
from pip_tls_setup.clients.pip import Pip
from pip_tls_setup.clients.projecttools import PIPENV, POETRY
from pip_tls_setup.clients.uv import Uv, key_for
from pip_tls_setup.clients.venvs import ToolVenvs
from pip_tls_setup.inject.edits import blocks


def test_registry_is_exhaustive_and_select_refuses_unknown_names() -> None:
    assert clients.names() == [
        "pip",
        "uv",
        "pipenv",
        "poetry",
        "pdm",
        "hatch",
        "tool-venvs",
        "conda",
        "git",
        "curl",
        "npm",
        "node",
        "urllib",
    ]
    assert [c.name for c in clients.select(["git", "uv"])] == ["uv", "git"]
    assert "git" not in [c.name for c in clients.select((), ["git"])]
    with pytest.raises(ClientError, match="--no-client nope: is not a client"):
        clients.select((), ["nope"])


def test_pip_global_config_as_root_keeps_other_settings(fake: FakeRoot) -> None:
    fake.tool("pip3")
    fake.file("/etc/pip.conf", "[global]\ntimeout = 60\n[install]\nno-compile = true\n")
    ctx = fake.context()
    found = Pip().find(ctx)
    assert found is not None
    [(path, text)] = apply(fake, Pip().plan(found, ctx)).items()
    assert path == "/etc/pip.conf"
    assert f"cert = {BUNDLE}" in text and "timeout = 60" in text and "no-compile = true" in text


def test_pip_user_config_without_root(fake: FakeRoot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake.tool("pip3")
    home = tmp_path / "home"
    ctx = fake.context(system=False, HOME=str(home), XDG_CONFIG_HOME=str(home / ".cfg"))
    ctx = ctx.__class__(**{**ctx.__dict__, "root": ctx.root.__class__.of("/")})
    found = Pip().find(ctx)
    assert found is not None
    assert [e.path for e in Pip().plan(found, ctx).edits] == [str(home / ".cfg" / "pip" / "pip.conf")]


@pytest.mark.parametrize(
    ("version", "key"), [("0.10.12", "native-tls"), ("0.11.0", "system-certs"), (None, "native-tls")]
)
def test_uv_key_follows_the_version(version: str | None, key: str) -> None:
    assert key_for(version) == key


def test_uv_system_config_keeps_the_users_settings(fake: FakeRoot) -> None:
    uv = fake.tool("uv")
    fake.answer([uv, "--version"], 0, "uv 0.13.9 (x86_64-unknown-linux-gnu)\n")
    fake.file("/etc/uv/uv.toml", 'index-url = "https://mirror.corp.example/simple"\n[pip]\ncompile-bytecode = true\n')
    ctx = fake.context()
    found = Uv().find(ctx)
    assert found is not None and found.version == "0.13.9" and found.traps == ("uv-builtin-roots",)
    edits = apply(fake, Uv().plan(found, ctx))
    text = edits["/etc/uv/uv.toml"]
    assert text.index("system-certs = true") < text.index("[pip]") and "compile-bytecode = true" in text
    assert 'index-url = "https://mirror.corp.example/simple"' in text


def test_old_uv_gets_native_tls_and_no_store_means_no_edit(fake: FakeRoot) -> None:
    uv = fake.tool("uv")
    fake.answer([uv, "--version"], 0, "uv 0.10.12\n")
    ctx = fake.context()
    found = Uv().find(ctx)
    assert found is not None
    assert "native-tls = true" in apply(fake, Uv().plan(found, ctx))["/etc/uv/uv.toml"]
    no_store = fake.context(store=False)
    found = Uv().find(no_store)
    assert found is not None
    plan = Uv().plan(found, no_store)
    assert plan.edits == [] and "no durable file channel" in plan.notes[0][1]


def test_uv_configured_has_no_trap(fake: FakeRoot) -> None:
    uv = fake.tool("uv")
    fake.answer([uv, "--version"], 0, "uv 0.13.9\n")
    fake.file("/etc/uv/uv.toml", "system-certs = true\n")
    found = Uv().find(fake.context())
    assert found is not None and found.traps == ()


def test_git_system_config_and_gnutls(fake: FakeRoot) -> None:
    git = fake.tool("git")
    fake.answer([git, "--version"], 0, "git version 2.39.5\n")
    fake.answer([git, "--exec-path"], 0, "/usr/lib/git-core\n")
    fake.file("/usr/lib/git-core/git-remote-https", "\x7fELF libcurl-gnutls.so.4 ...")
    fake.file("/etc/gitconfig", '[credential "https://source.example"]\n\thelper = store\n')
    ctx = fake.context()
    found = Git().find(ctx)
    assert found is not None and found.traps == ("git-gnutls-ignores-ssl-cert-file",)
    assert not any("SSL_CERT_FILE" in s.where for s in found.reads)
    text = apply(fake, Git().plan(found, ctx))["/etc/gitconfig"]
    assert text.startswith('[credential "https://source.example"]\n\thelper = store\n')
    assert text.endswith(
        f"[http]\n\t# sslCAInfo: set by pip-tls-setup (public roots + corporate CAs)\n\tsslCAInfo = {BUNDLE}\n"
    )


def test_npm_global_config_from_npm_itself(fake: FakeRoot) -> None:
    npm = fake.tool("npm")
    fake.answer([npm, "--version"], 0, "11.19.1\n")
    fake.answer([npm, "config", "get", "globalconfig"], 0, "/usr/etc/npmrc\n")
    fake.file("/usr/etc/npmrc", "fund=false\n")
    ctx = fake.context()
    found = Npm().find(ctx)
    assert found is not None and found.version == "11.19.1"
    assert apply(fake, Npm().plan(found, ctx)) == {
        "/usr/etc/npmrc": "fund=false\n; cafile: set by pip-tls-setup (public roots + corporate CAs)\n"
        f"cafile={BUNDLE}\n"
    }


def test_node_has_no_durable_channel(fake: FakeRoot) -> None:
    node = fake.tool("node")
    fake.answer([node, "--version"], 0, "v20.20.2\n")
    ctx = fake.context()
    found = Node().find(ctx)
    assert found is not None and found.version == "20.20.2"
    plan = Node().plan(found, ctx)
    assert plan.edits == [] and "no durable trust channel" in plan.notes[0][1]


def test_curl_notes_without_the_store(fake: FakeRoot) -> None:
    curl = fake.tool("curl")
    fake.answer([curl, "--version"], 0, "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.19\n")
    ctx = fake.context(store=False)
    found = Curl().find(ctx)
    assert found is not None and found.facts["backend"] == "openssl"
    assert "only the exported CURL_CA_BUNDLE" in Curl().plan(found, ctx).notes[0][1]


def test_conda_edits_the_last_file_that_sets_ssl_verify(fake: FakeRoot) -> None:
    conda = fake.tool("conda")
    fake.answer([conda, "--version"], 0, "conda 24.1.2\n")
    fake.file("/etc/conda/.condarc", "ssl_verify: true\n")
    fake.file("/root/.condarc", "channels:\n  - conda-forge\nssl_verify: false\n")
    ctx = fake.context()
    found = Conda().find(ctx)
    assert found is not None and found.facts["target"] == "/root/.condarc"
    assert apply(fake, Conda().plan(found, ctx)) == {
        "/root/.condarc": f"channels:\n  - conda-forge\nssl_verify: {BUNDLE}\n"
    }


def test_conda_without_a_setting_writes_the_system_file(fake: FakeRoot) -> None:
    fake.tool("micromamba")
    found = Conda().find(fake.context())
    assert found is not None and found.facts["target"] == "/etc/conda/.condarc"


def _venv(fake: FakeRoot, prefix: str) -> str:
    fake.file(f"{prefix}/pyvenv.cfg", "home = /usr/bin\n")
    fake.file(f"{prefix}/bin/python", "", 0o755)
    return f"{prefix}/bin/python"


def test_tool_venvs_pipx_and_console_scripts(fake: FakeRoot) -> None:
    pipx_python = _venv(fake, "/root/.local/share/pipx/venvs/poetry")
    other = _venv(fake, "/opt/tools/black")
    fake.tool("black", f"#!{other}\n# -*- coding: utf-8 -*-\nimport sys\n")
    fake.tool("plain", "#!/usr/bin/python3\n")
    found = ToolVenvs().find(fake.context())
    assert found is not None and found.venvs == (pipx_python, other)


def test_pipenv_patched_certifi_and_poetry_venv(fake: FakeRoot) -> None:
    python = _venv(fake, "/opt/pipenv")
    fake.tool("pipenv", f"#!{python}\n")
    location = "/opt/pipenv/lib/python3.11/site-packages/pipenv"
    patched = f"{location}/patched/pip/_vendor/certifi/cacert.pem"
    fake.file(patched, "# Mozilla roots\n")
    fake.answer([python, "-c", __import__("pip_tls_setup.clients.projecttools", fromlist=["ASK"]).ASK, "pipenv"], 0,
                f'{{"version": "2026.10.3", "location": "{location}"}}\n')  # fmt: skip
    ctx = fake.context()
    found = PIPENV.find(ctx)
    assert found is not None and found.venvs == (python,) and found.traps == ("pipenv-vendored-pip",)
    [edit] = PIPENV.plan(found, ctx).edits
    assert edit.path == patched and edit.package_file and edit.depth == 4
    assert edit.change("# Mozilla roots\n") == blocks.upsert("# Mozilla roots\n", ctx.pem)
    assert POETRY.find(ctx) is None  # not installed
