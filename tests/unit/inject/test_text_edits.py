"""Edits inside files we do not own: certifi's cacert.pem blocks and pip's INI config."""

from __future__ import annotations

import configparser

from pip_tls_setup.inject.edits import blocks, envexport, pipconf
from pip_tls_setup.inject.plan import EnvVar

PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"


def test_block_append_is_idempotent_and_reversible() -> None:
    original = "# certifi\n" + PEM
    once = blocks.upsert(original, PEM)
    assert once.count(blocks.BEGIN) == 1
    assert blocks.upsert(once, PEM) == once
    assert blocks.strip(once) == original


def test_block_replaced_when_cas_change() -> None:
    once = blocks.upsert("base\n", "old\n")
    twice = blocks.upsert(once, "new\n")
    assert "old" not in twice and "new" in twice and twice.count(blocks.BEGIN) == 1


def test_block_without_trailing_newline() -> None:
    text = blocks.upsert("no newline", PEM)
    assert text.startswith("no newline\n")
    assert blocks.strip(text) == "no newline\n"


def _parse(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


def test_pipconf_new_file() -> None:
    text, replaced = pipconf.set_cert("", "/etc/pip-tls-setup/ca-bundle.pem")
    assert _parse(text).get("global", "cert") == "/etc/pip-tls-setup/ca-bundle.pem"
    assert replaced == []


def test_pipconf_keeps_comments_and_other_keys() -> None:
    original = "# company defaults\n[global]\ntimeout = 60\n\n[install]\nno-cache-dir = true\n"
    text, _ = pipconf.set_cert(original, "/b.pem")
    assert "# company defaults" in text and "timeout = 60" in text and "no-cache-dir = true" in text
    assert _parse(text).get("global", "cert") == "/b.pem"
    assert pipconf.set_cert(text, "/b.pem")[0] == text


def test_pipconf_replaces_every_cert_spelling_and_continuations() -> None:
    original = (
        "[global]\n--CERT: /old.pem\n    /continued\nindex-url = https://idx.example/simple\n[download]\ncert=/x\n"
    )
    text, replaced = pipconf.set_cert(original, "/b.pem")
    parsed = _parse(text)
    assert parsed.get("global", "cert") == "/b.pem"
    assert parsed.get("download", "cert") == "/b.pem"
    assert "/continued" not in text
    assert replaced == ["global", "download"]


def test_pipconf_adds_global_when_only_command_sections() -> None:
    text, _ = pipconf.set_cert("[install]\nuser = false\n", "/b.pem")
    assert _parse(text).get("global", "cert") == "/b.pem"


def test_normalise_key() -> None:
    assert pipconf.normalise_key("--Trusted_Host") == "trusted-host"


def test_env_renderings() -> None:
    env = [EnvVar("SSL_CERT_FILE", "/b b.pem", ""), EnvVar("NODE_EXTRA_CA_CERTS", "/c.pem", "")]
    assert envexport.render(env, "shell") == "export SSL_CERT_FILE='/b b.pem'\nexport NODE_EXTRA_CA_CERTS=/c.pem\n"
    assert envexport.render(env, "dotenv") == "SSL_CERT_FILE=/b b.pem\nNODE_EXTRA_CA_CERTS=/c.pem\n"
    docker = envexport.render(env, "dockerfile")
    assert docker.startswith('ENV SSL_CERT_FILE="/b b.pem"') and "NODE_EXTRA_CA_CERTS=/c.pem" in docker
    assert envexport.render(env, "powershell").startswith("$env:SSL_CERT_FILE = '/b b.pem'")


def test_env_variables_use_combined_bundle_except_node() -> None:
    found = {v.name: v.value for v in envexport.variables("/all.pem", "/corp.pem")}
    assert found.pop("NODE_EXTRA_CA_CERTS") == "/corp.pem"
    assert set(found.values()) == {"/all.pem"}
    assert {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE"} <= set(found)


def test_dotenv_upsert_keeps_other_lines() -> None:
    env = [EnvVar("PIP_CERT", "/b.pem", "")]
    text = envexport.upsert_dotenv("A=1\nexport PIP_CERT=/old\n# note\n", env)
    assert text == "A=1\nPIP_CERT=/b.pem\n# note\n"
    assert envexport.upsert_dotenv(text, env) == text
