"""Validate a command's --json output against its schema in docs/schemas/ (references resolved locally)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        resources.append((path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))))
    return Registry().with_resources(resources)


def validate(command: str, data: Any) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``data`` is a valid ``command --json`` output."""
    schema = json.loads((SCHEMAS / f"{command}.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, registry=_registry(), format_checker=jsonschema.FormatChecker())
    validator.validate(data)
