"""How each tool reads "false": a verify-off value is reported only where the tool really reads it as off.

Read from the tools' own sources (versions in docs/rules.md):

- conda (``conda/auxlib/type_coercion.py`` ``boolify``, ``ssl_verify`` is ``(str, bool)``): a number
  equal to 0 (``0``, ``0.0``), or ``false``/``off``/``n``/``no``/``non``/``none``/empty, any case; any
  other text is a CA bundle path.
- git (``git_parse_maybe_bool_text``, ``git_parse_int``): ``false``/``no``/``off``, any case, the empty
  value (``key =``), or an integer 0 (``0``, ``-0``, with a k/m/g unit).
- npm (nopt ``validateBoolean``, after ``@npmcli/config`` validation): ``false``, ``null``, or a string
  JavaScript reads as the number 0 (``0``, ``00``, ``0.0``, ``0x0``); ``no``, ``off``, ``FALSE`` are true.
- PDM (``pdm/project/config.py`` ``ensure_boolean``): empty, or ``false``/``no``/``0``, any case, not
  stripped.
- Poetry (``poetry config``: ``boolean_validator`` / ``boolean_normalizer``): exactly ``false`` or ``0``;
  in its TOML files only the boolean ``false`` (the string "false" is a CA path there, and so is any
  ``POETRY_CERTIFICATES_*`` environment value).
"""

from __future__ import annotations

import re

_CONDA_FALSE = frozenset({"false", "off", "n", "no", "non", "none", ""})
_GIT_FALSE = frozenset({"false", "no", "off", ""})
_GIT_ZERO = re.compile(r"[-+]?0+[kmg]?")
_JS_ZERO = re.compile(r"[-+]?(0+(\.0*)?|\.0+)([eE][-+]?\d+)?|0[xX]0+|0[bB]0+|0[oO]0+")
_PDM_FALSE = frozenset({"false", "no", "0"})


def conda(value: str) -> bool:
    text = value.strip().lower().replace(".", "", 1)
    if text.isnumeric():
        return float(text) == 0
    return text in _CONDA_FALSE


def git(value: str) -> bool:
    text = value.strip().lower()
    return text in _GIT_FALSE or bool(_GIT_ZERO.fullmatch(text))


def npm(value: str) -> bool:
    text = value.strip()
    return text in ("false", "null") or (bool(text) and bool(_JS_ZERO.fullmatch(text)))


def pdm(value: str) -> bool:
    return value == "" or value.lower() in _PDM_FALSE


def poetry_command(value: str) -> bool:
    """``poetry config certificates.NAME.cert VALUE``: stored as the boolean false."""
    return value in ("false", "0")
