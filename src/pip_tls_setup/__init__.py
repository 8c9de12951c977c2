"""pip-tls-setup: make pip work behind TLS-intercepting proxies with verification on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__version__ = "0.1.0"

# The version of every --json output's shape (docs/schemas/<command>.schema.json); a change that
# removes or renames a field raises it.
SCHEMA_VERSION = 1


def envelope(command: str, ok: bool, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The one JSON contract: ``schema_version``, ``tool_version``, ``command``, ``ok``, then the command's fields."""
    return {"schema_version": SCHEMA_VERSION, "tool_version": __version__, "command": command, "ok": ok, **fields}
