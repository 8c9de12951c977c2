"""The shell lexer: quoting, continuations, comments, operators, substitutions, here-documents."""

from __future__ import annotations

from pip_tls_setup.policy import shell


def argvs(text: str) -> list[list[str]]:
    return [c.argv for c in shell.parse(text).commands()]


def test_quotes_and_escapes() -> None:
    assert argvs("""pip install 'a b' "c $HOME" d\\ e $'x\\ny' "q\\"r" """) == [
        ["pip", "install", "a b", "c $HOME", "d e", "x\ny", 'q"r']
    ]


def test_comments_only_at_word_start() -> None:
    assert argvs("pip install foo # --trusted-host x\necho a#b") == [["pip", "install", "foo"], ["echo", "a#b"]]


def test_continuations_and_operators() -> None:
    text = "pip install \\\n  --trusted-host h a && b || c; d | e & f |& g"
    assert argvs(text) == [["pip", "install", "--trusted-host", "h", "a"], ["b"], ["c"], ["d"], ["e"], ["f"], ["g"]]
    script = shell.parse("a | b | c; d")
    assert [len(p.commands) for p in script.pipelines] == [3, 1]


def test_substitutions_are_commands_too() -> None:
    found = argvs("x=$(pip config set global.trusted-host h) y=`uv pip install --trusted-host q` z <(curl -k u)")
    assert ["pip", "config", "set", "global.trusted-host", "h"] in found
    assert ["uv", "pip", "install", "--trusted-host", "q"] in found
    assert ["curl", "-k", "u"] in found


def test_assignments_redirections_and_fds() -> None:
    (command,) = shell.parse("A=1 B='x y' env C=2 pip install x >out.log 2>&1 </dev/null").commands()
    assert [w.text for w in command.assignments] == ["A=1", "B=x y"]
    assert command.argv == ["env", "C=2", "pip", "install", "x"]
    assert [(r.op, r.target.text if r.target else None) for r in command.redirects] == [
        (">", "out.log"),
        ("<", "/dev/null"),
    ]


def test_here_documents() -> None:
    text = "cat <<-EOF > /etc/pip.conf\n\t[global]\n\ttrusted-host = h\n\tEOF\necho after\n"
    commands = shell.parse(text).commands()
    assert commands[0].redirects[0].heredoc is not None
    assert commands[0].redirects[0].heredoc.body == "[global]\ntrusted-host = h\n"
    assert commands[1].argv == ["echo", "after"]
    assert shell.LineMap(text).line(commands[0].redirects[0].heredoc.body_start) == 2


def test_control_structures() -> None:
    text = "if x; then pip a; elif y; then pip b; else pip c; fi\nwhile true; do pip d; done\n"
    text += 'for i in 1 2; do pip e; done\ncase "$1" in\n  a|b) pip f ;;\n  (c) pip g ;;\nesac\n'
    text += "f() { pip h; }\nfunction g { pip i; }\n{ pip j; } > log\n"
    found = argvs(text)
    for letter in "abcdefghij":
        assert ["pip", letter] in found, letter
    assert ["1", "2"] not in found and ["a"] not in found


def test_group_redirect_applies_to_members() -> None:
    commands = shell.parse('{ echo A=1; echo B=2; } >> "$GITHUB_ENV"').commands()
    assert all(c.redirects and c.redirects[0].target and c.redirects[0].target.text == "$GITHUB_ENV" for c in commands)


def test_expansions_are_marked() -> None:
    (command,) = shell.parse('pip install "$X" ${Y} plain "${{ vars.Z }}"').commands()
    assert [w.expands for w in command.words] == [False, False, True, True, False, True]


def test_array_assignment_is_one_word() -> None:
    (command,) = shell.parse("ARGS=(--trusted-host x --index-url http://y)").commands()
    assert [w.text for w in command.assignments] == ["ARGS=(--trusted-host x --index-url http://y)"]


def test_line_map() -> None:
    text = "a\nbb\n\nccc"
    lines = shell.LineMap(text, first_line=10)
    assert [lines.line(text.index(s)) for s in ("a", "bb", "ccc")] == [10, 11, 13]
