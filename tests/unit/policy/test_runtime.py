"""policy.runtime.evaluate: what is in force in a root (a temporary directory here, never the host)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pip_tls_setup.policy.findings import Finding
from pip_tls_setup.policy.formats import text
from pip_tls_setup.policy.runtime import evaluate
from pip_tls_setup.target.pythons import Target, parse_inventory
from pip_tls_setup.target.root import Root


def target(pip_version: str = "24.2", config_files: dict[str, list[str]] | None = None, **extra: Any) -> Target:
    data: dict[str, Any] = {
        "executable": "/usr/bin/python3",
        "prefix": "/usr",
        "base_prefix": "/usr",
        "is_venv": False,
        "version": [3, 11, 2],
        "implementation": "cpython",
        "platform": "linux",
        "ssl": True,
        "pip": {
            "version": pip_version,
            "location": "/usr/lib/python3/dist-packages/pip",
            "config_files": config_files,
        },
        **extra,
    }
    return parse_inventory("/usr/bin/python3", data)


def make_root(tmp_path: Path, files: dict[str, str]) -> Root:
    for logical, content in files.items():
        path = tmp_path / logical.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return Root.of(str(tmp_path))


def found(findings: list[Finding]) -> list[tuple[str, int | None, str]]:
    return sorted((f.path, f.line, f.rule) for f in findings)


def test_global_pip_conf_names_file_line_and_fix(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/etc/pip.conf": "[global]\ntrusted-host = mirror.example\n"})
    findings = evaluate(root, [target()], {})
    assert found(findings) == [("/etc/pip.conf", 2, "PTS101")]
    line = text.line(findings[0])
    assert line.startswith("/etc/pip.conf:2: error PTS101 pip is told to trust host 'mirror.example'")
    assert "Fix: remove the trusted host" in line


def test_files_from_the_target_inventory(tmp_path: Path) -> None:
    files = {
        "global": ["/etc/xdg/pip/pip.conf", "/etc/pip.conf"],
        "user": ["/root/.pip/pip.conf", "/root/.config/pip/pip.conf"],
        "site": ["/opt/venv/pip.conf"],
    }
    root = make_root(
        tmp_path,
        {
            "/etc/xdg/pip/pip.conf": "[install]\nindex-url = http://xdg.example/simple\n",
            "/root/.config/pip/pip.conf": "[global]\n\ntrusted_host = user.example\n",
            "/opt/venv/pip.conf": "[global]\nextra-index-url = http://site.example/simple\n",
        },
    )
    findings = evaluate(root, [target(config_files=files)], {})
    assert found(findings) == [
        ("/etc/xdg/pip/pip.conf", 2, "PTS201"),
        ("/opt/venv/pip.conf", 2, "PTS201"),
        ("/root/.config/pip/pip.conf", 3, "PTS101"),
    ]


def test_pip_config_file_devnull_and_user_suppression(tmp_path: Path) -> None:
    root = make_root(
        tmp_path,
        {
            "/etc/pip.conf": "[global]\ntrusted-host = global.example\n",
            "/root/.config/pip/pip.conf": "[global]\ntrusted-host = user.example\n",
            "/etc/ci-pip.conf": "[global]\ntrusted-host = env.example\n",
        },
    )
    assert evaluate(root, [target()], {"PIP_CONFIG_FILE": os.devnull}) == []
    with_env_file = found(evaluate(root, [target()], {"PIP_CONFIG_FILE": "/etc/ci-pip.conf"}))
    assert with_env_file == [("/etc/ci-pip.conf", 2, "PTS101"), ("/etc/pip.conf", 2, "PTS101")]
    without = found(evaluate(root, [target()], {}))
    assert ("/root/.config/pip/pip.conf", 2, "PTS101") in without


def test_environment(tmp_path: Path) -> None:
    root = make_root(tmp_path, {})
    env = {
        "PIP_TRUSTED_HOST": "env.example",
        "PIP_Extra_Index_Url": "http://extra.example/simple",
        "pip_trusted_host": "ignored-on-posix.example",
        "PIP_FIND_LINKS": "",
        "UV_INSECURE_HOST": "uv.example",
        "PYTHONHTTPSVERIFY": "0",
        "GIT_SSL_NO_VERIFY": "",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.sslVerify",
        "GIT_CONFIG_VALUE_0": "false",
        "PIP_TLS_SETUP_CA": "-----BEGIN CERTIFICATE-----",
    }
    assert found(evaluate(root, [target()], env)) == [
        ("env:GIT_CONFIG_KEY_0", None, "PTS106"),
        ("env:GIT_SSL_NO_VERIFY", None, "PTS106"),
        ("env:PIP_Extra_Index_Url", None, "PTS201"),
        ("env:PIP_TRUSTED_HOST", None, "PTS101"),
        ("env:PYTHONHTTPSVERIFY", None, "PTS108"),
        ("env:UV_INSECURE_HOST", None, "PTS102"),
    ]


def test_curl_ca_bundle_empty_depends_on_the_pip_version(tmp_path: Path) -> None:
    root = make_root(tmp_path, {})
    old = evaluate(root, [target("22.1.2")], {"CURL_CA_BUNDLE": ""})
    new = evaluate(root, [target("24.2")], {"CURL_CA_BUNDLE": ""})
    assert [(f.rule, f.severity) for f in old] == [("PTS107", "error")]
    assert [(f.rule, f.severity) for f in new] == [("PTS107", "warning")]


def test_ca_variables(tmp_path: Path) -> None:
    root = make_root(
        tmp_path,
        {
            "/etc/ssl/certs/ca-certificates.crt": "pem",
            "/tmp/ca.pem": "pem",
            "/builds/group/app/certs/corp.pem": "pem",
            "/etc/pip-tls-setup/ca-bundle.pem": "pem",
        },
    )
    env = {
        "CI_PROJECT_DIR": "/builds/group/app",
        "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
        "SSL_CERT_DIR": "/etc/ssl/certs",
        "REQUESTS_CA_BUNDLE": "/tmp/ca.pem",
        "PIP_CERT": "/builds/group/app/certs/corp.pem",
        "CURL_CA_BUNDLE": "/etc/ssl/missing.pem",
        "GIT_SSL_CAINFO": "/etc/pip-tls-setup/ca-bundle.pem",
        "NODE_EXTRA_CA_CERTS": "",
    }
    assert found(evaluate(root, [target()], env)) == [
        ("env:CURL_CA_BUNDLE", None, "PTS302"),
        ("env:PIP_CERT", None, "PTS301"),
        ("env:REQUESTS_CA_BUNDLE", None, "PTS301"),
    ]
    allowed = evaluate(root, [target()], env, allow=["/tmp/ca.pem", "/builds/group/app/certs/corp.pem"])
    assert found(allowed) == [("env:CURL_CA_BUNDLE", None, "PTS302")]


def test_setup_exports_are_not_flagged(tmp_path: Path) -> None:
    """The variables setup itself exports point at its combined bundle: nothing to report."""
    from pip_tls_setup.inject.edits import envexport

    bundle = "/etc/pip-tls-setup/ca-bundle.pem"
    root = make_root(tmp_path, {bundle: "pem", "/etc/pip-tls-setup/corporate.pem": "pem"})
    env = {v.name: v.value for v in envexport.variables(bundle, "/etc/pip-tls-setup/corporate.pem")}
    env["GITHUB_WORKSPACE"] = "/home/runner/work/app/app"
    assert evaluate(root, [target()], env) == []


def test_symlink_into_tmp_is_followed(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/tmp/evil.pem": "pem"})
    (tmp_path / "etc" / "ssl").mkdir(parents=True)
    os.symlink("/tmp/evil.pem", tmp_path / "etc" / "ssl" / "cert.pem")
    findings = evaluate(root, [target()], {"SSL_CERT_FILE": "/etc/ssl/cert.pem"})
    assert found(findings) == [("env:SSL_CERT_FILE", None, "PTS301")]


def test_pip_conf_cert_in_tmp(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/etc/pip.conf": "[global]\ncert = /tmp/corp.pem\n", "/tmp/corp.pem": "x"})
    assert found(evaluate(root, [target()], {})) == [("/etc/pip.conf", 2, "PTS301")]


def test_uv_conda_git_poetry_pdm(tmp_path: Path) -> None:
    root = make_root(
        tmp_path,
        {
            "/etc/uv/uv.toml": 'allow-insecure-host = ["uv.example"]\n',
            "/root/.config/uv/uv.toml": 'index-url = "http://uv-user.example/simple"\n',
            "/root/.condarc": "channels:\n  - defaults\nssl_verify: false\n",
            "/etc/conda/condarc.d/corp.yaml": "channel_alias: http://alias.example/conda\n",
            "/etc/gitconfig": "[http]\n\tsslVerify = false\n",
            "/root/.config/pypoetry/config.toml": "[certificates.corp]\ncert = false\n",
            "/root/.config/pdm/config.toml": "[pypi]\nverify_ssl = false\n",
        },
    )
    assert found(evaluate(root, [target()], {})) == [
        ("/etc/conda/condarc.d/corp.yaml", 1, "PTS205"),
        ("/etc/gitconfig", 2, "PTS106"),
        ("/etc/uv/uv.toml", 1, "PTS102"),
        ("/root/.condarc", 3, "PTS105"),
        ("/root/.config/pdm/config.toml", 2, "PTS104"),
        ("/root/.config/pypoetry/config.toml", 2, "PTS103"),
        ("/root/.config/uv/uv.toml", 1, "PTS203"),
    ]
    no_uv = found(evaluate(root, [target()], {"UV_NO_CONFIG": "1", "GIT_CONFIG_NOSYSTEM": "1"}))
    assert not [f for f in no_uv if "uv" in f[0] or "git" in f[0]]


def test_broken_config_fails_closed_not_a_crash(tmp_path: Path) -> None:
    """A config file in force that does not parse cannot be checked: an error (PTS701), never a crash."""
    root = make_root(tmp_path, {"/root/.condarc": "channels: [\n", "/etc/pip.conf": "\x00\x01 not ini at all"})
    findings = evaluate(root, [target()], {})
    assert [(f.path, f.rule, f.severity) for f in findings] == [("/root/.condarc", "PTS701", "error")]


def test_no_targets_uses_standard_locations(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/root/.pip/pip.conf": "[global]\ntrusted-host = legacy.example\n"})
    assert found(evaluate(root, [], {})) == [("/root/.pip/pip.conf", 2, "PTS101")]


def test_clients_verify_off_files_under_the_root(tmp_path: Path) -> None:
    """Issue 10: the clients' own config files in force, at user and system level, read inside --root."""
    root = make_root(
        tmp_path,
        {
            "/root/.npmrc": "registry=https://registry.example/\nstrict-ssl=false\n",
            "/usr/local/etc/npmrc": "strict-ssl = 0 ; global\n",
            "/usr/etc/npmrc": "strict-ssl=no\n",  # npm reads "no" as true: not reported
            "/root/.gitconfig": '[http "https://git.example/"]\n\tsslVerify = off\n',
            "/root/.config/git/config": "[http]\n\tsslverify =\n",
            "/root/.config/pypoetry/auth.toml": "[certificates.corp]\nverify = false\n",
            "/root/.mambarc": "ssl_verify: 0\n",
            "/etc/xdg/uv/uv.toml": '[pip]\nallow-insecure-host = ["xdg.example"]\n',
        },
    )
    assert found(evaluate(root, [target()], {})) == [
        ("/etc/xdg/uv/uv.toml", 2, "PTS102"),
        ("/root/.config/git/config", 2, "PTS106"),
        ("/root/.config/pypoetry/auth.toml", 2, "PTS103"),
        ("/root/.gitconfig", 2, "PTS106"),
        ("/root/.mambarc", 1, "PTS105"),
        ("/root/.npmrc", 2, "PTS110"),
        ("/usr/local/etc/npmrc", 1, "PTS110"),
    ]


def test_npm_config_locations_from_the_environment(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/srv/user.npmrc": "strict-ssl=false\n", "/srv/global.npmrc": "strict-ssl=null\n"})
    env = {"NPM_CONFIG_USERCONFIG": "/srv/user.npmrc", "npm_config_globalconfig": "/srv/global.npmrc"}
    expected = [("/srv/global.npmrc", 1, "PTS110"), ("/srv/user.npmrc", 1, "PTS110")]
    assert found(evaluate(root, [target()], env)) == expected


def test_clients_verify_off_variables(tmp_path: Path) -> None:
    env = {
        "NODE_TLS_REJECT_UNAUTHORIZED": "0",
        "npm_config_strict_ssl": "false",
        "PDM_PYPI_VERIFY_SSL": "no",
        "CONDA_SSL_VERIFY": "0",
        "POETRY_CERTIFICATES_CORP_CERT": "false",  # a CA path named "false" to Poetry: PTS302, not PTS103
        "UV_INSECURE_HOST": "a.example b.example",
        "PDM_PYPI_CORP_VERIFY_SSL": "false",  # PDM reads no such variable
        "NODE_TLS_REJECT_UNAUTHORIZED_X": "0",
    }
    assert found(evaluate(make_root(tmp_path, {}), [target()], env)) == [
        ("env:CONDA_SSL_VERIFY", None, "PTS105"),
        ("env:NODE_TLS_REJECT_UNAUTHORIZED", None, "PTS110"),
        ("env:PDM_PYPI_VERIFY_SSL", None, "PTS104"),
        ("env:POETRY_CERTIFICATES_CORP_CERT", None, "PTS302"),
        ("env:UV_INSECURE_HOST", None, "PTS102"),
        ("env:UV_INSECURE_HOST", None, "PTS102"),
        ("env:npm_config_strict_ssl", None, "PTS110"),
    ]
