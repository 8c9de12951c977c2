"""The line-preserving editors keep every other line, and a second edit changes nothing."""

from __future__ import annotations

from pip_tls_setup.inject.edits import condarc, gitconfig, npmrc, uvtoml

B = "/etc/pip-tls-setup/ca-bundle.pem"


def test_gitconfig_adds_under_http_and_keeps_the_rest() -> None:
    text = '[user]\n\tname = Ann\n[http "https://git.corp.example/"]\n\tsslVerify = true\n[http]\n\tpostBuffer = 5\n'
    new, old = gitconfig.set_cainfo(text, B)
    assert old == []
    assert "\tname = Ann\n" in new and '[http "https://git.corp.example/"]\n\tsslVerify = true\n' in new
    assert new.index("postBuffer") > new.index(f"sslCAInfo = {B}") > new.index("[http]\n")
    assert gitconfig.set_cainfo(new, B)[0] == new
    assert gitconfig.get_cainfo(new) == B


def test_gitconfig_replaces_an_existing_value_and_quotes() -> None:
    new, old = gitconfig.set_cainfo("[HTTP]\n\tSSLCAINFO = /old.pem\n", "/a b/c.pem")
    assert old == ["/old.pem"] and '\tsslCAInfo = "/a b/c.pem"\n' in new and "/old.pem" not in new
    assert gitconfig.get_cainfo(new) == "/a b/c.pem"
    assert gitconfig.set_cainfo("", B)[0].startswith("[http]\n")


def test_npmrc_sets_cafile_once() -> None:
    text = "registry=https://npm.corp.example/\n; comment\ncafile=/old.pem\n"
    new, old = npmrc.set_cafile(text, B)
    assert old == ["/old.pem"] and new == f"registry=https://npm.corp.example/\n; comment\ncafile={B}\n"
    appended, _ = npmrc.set_cafile("registry=x", B)
    assert appended.startswith("registry=x\n") and appended.endswith(f"cafile={B}\n")
    assert npmrc.set_cafile(appended, B)[0] == appended


def test_uv_toml_key_before_the_first_table() -> None:
    text = 'index-url = "https://mirror.corp.example/simple"\n\n[[index]]\nname = "corp"\n'
    new, changed = uvtoml.enable(text, "system-certs")
    assert changed == []
    assert new.index("system-certs = true") < new.index("[[index]]")
    assert new.startswith('index-url = "https://mirror.corp.example/simple"\n')
    assert uvtoml.top_level(new)["system-certs"] == "true"
    assert uvtoml.enable(new, "system-certs")[0] == new
    off, changed = uvtoml.enable("native-tls = false\n", "native-tls")
    assert off == "native-tls = true\n" and changed == ["native-tls = false"]


def test_condarc_replaces_the_top_level_key_only() -> None:
    text = "channels:\n  - defaults\nssl_verify: true\nproxy_servers:\n  https: http://proxy:3128\n"
    new, old = condarc.set_ssl_verify(text, B)
    assert old == ["true"] and f"ssl_verify: {B}\n" in new and "  https: http://proxy:3128\n" in new
    assert condarc.get_ssl_verify(new) == B
    assert condarc.set_ssl_verify(new, B) == (new, [])
    assert condarc.set_ssl_verify("", "/a b.pem")[0].endswith("ssl_verify: '/a b.pem'\n")
