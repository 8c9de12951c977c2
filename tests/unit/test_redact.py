"""redact: URL credentials (passwords may hold '@') and known secrets, in text and in JSON data."""

from __future__ import annotations

from pip_tls_setup import redact


def test_url_credentials_are_masked_inside_text() -> None:
    text = "via http://alice:p@ss@proxy:3128/x and https://tok3n@index.corp.test/simple/"
    assert redact.url(text) == "via http://alice:****@proxy:3128/x and https://****@index.corp.test/simple/"
    assert redact.url("https://index.corp.test:443/a@b") == "https://index.corp.test:443/a@b"


def test_scrub_masks_known_secrets_anywhere() -> None:
    secrets = ["S3cretPass9", "QWxpY2U6UzNjcmV0UGFzczk="]
    text = "Proxy-Authorization: Basic QWxpY2U6UzNjcmV0UGFzczk= (S3cretPass9)"
    assert redact.scrub(text, secrets) == "Proxy-Authorization: Basic **** (****)"
    data = {"proxy": "http://alice:S3cretPass9@p:1", "list": ["x S3cretPass9 y", 3, None], "S3cretPass9": True}
    assert redact.scrub_data(data, secrets) == {
        "proxy": "http://alice:****@p:1",
        "list": ["x **** y", 3, None],
        "****": True,
    }
