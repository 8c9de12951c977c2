"""Typos get a suggestion, in the tool's one-line error format, exit 2."""

from __future__ import annotations

import pytest

from pip_tls_setup.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["doctr"], "unknown command 'doctr'; did you mean 'doctor'?"),
        (["scna", "."], "did you mean 'scan'?"),
        (["corp.pem"], "a CA file goes after --ca"),
        (["doctor", "--jsn"], "unrecognized argument: --jsn; did you mean '--json'?"),
        (["--ca-fingerprnt", "x"], "did you mean '--ca-fingerprint'?"),
        (["scan", ".", "--formt=json"], "did you mean '--format'?"),
    ],
)
def test_typos_get_a_suggestion(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("pip-tls-setup: error: ") and expected in err
    assert err.count("\n") == 1
