"""Validate a CycloneDX 1.6 JSON document against the official schema vendored in tests/data/cyclonedx/."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "cyclonedx"
MAIN = "bom-1.6.SNAPSHOT.schema.json"
BASE = "http://cyclonedx.org/schema/"


@functools.lru_cache(maxsize=1)
def validator() -> jsonschema.protocols.Validator:
    # The main schema's $refs name the other files relative to its $id: register them under those URIs.
    registry: Registry = Registry()
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        registry = registry.with_resource(BASE + path.name, Resource.from_contents(json.loads(path.read_text())))
    schema = json.loads((SCHEMAS / MAIN).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def errors(document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(document)]
