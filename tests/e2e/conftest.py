"""End-to-end fixtures: a running corporate-proxy lab shared by the tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from corplab.lab import Lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab")) as running:
        yield running
