"""The OCI build step on a real builder: buildah (``bud --storage-driver vfs --isolation chroot``),
images made from a debootstrapped Debian root, the CA as a build secret, behind the lab's
intercepting proxy. buildah keeps its storage under ``.cache/pts-runners/containers`` and runs every
``RUN`` in the image's own root, so the host's trust store is never touched.

First the tool's own image is built from the top-level ``Dockerfile`` through the proxy (the builder
downloads the locked wheels for every platform, hash-checked, trusting the CA for that download only).
Then ``examples/Dockerfile`` is built three ways: as is, without the pip-tls-setup step, and with a
``--trusted-host`` in a later ``RUN``.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from corplab.lab import Lab

sys.path.insert(0, str(Path(__file__).resolve().parent / "runners"))

import images

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("buildah") is None or shutil.which("debootstrap") is None, reason="needs buildah"),
]

REPO = Path(__file__).resolve().parents[2]
TOOL_IMAGE = "localhost/pip-tls-setup:e2e"
APP_IMAGE = "localhost/pts-app:e2e"
STEP = "RUN --mount=type=secret,id=corp-ca"


@dataclass
class Builder:
    buildah: images.Buildah
    base: str
    lab: Lab
    tool_log: str

    def build_app(self, context: Path, dockerfile_text: str) -> tuple[int, str]:
        context.mkdir(parents=True, exist_ok=True)
        (context / "requirements.txt").write_text("corp-hello\n")
        (context / "Dockerfile").write_text(dockerfile_text)
        done = self.buildah.bud(
            context,
            context / "Dockerfile",
            APP_IMAGE,
            build_args={
                "BASE": self.base,
                "PIP_TLS_SETUP_IMAGE": TOOL_IMAGE,
                "PIP_INDEX_URL": self.lab.index_url,
                "HTTPS_PROXY": self.lab.proxy_url,
            },
            secrets={"corp-ca": self.lab.ca_path},
        )
        return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builder]:
    buildah = images.Buildah()
    base = buildah.base_image(images.debian_root())
    wheels = images.single_file_wheels()
    with Lab(tmp_path_factory.mktemp("oci-lab")) as lab:
        for wheel in wheels.glob("*.whl"):
            shutil.copy(wheel, lab.packages)
        done = buildah.bud(
            REPO,
            REPO / "Dockerfile",
            TOOL_IMAGE,
            build_args={"BUILDER": base, "RUNTIME": base, "PIP_INDEX_URL": lab.index_url, "HTTPS_PROXY": lab.proxy_url},
            secrets={"corp-ca": lab.ca_path},
        )
        assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
        try:
            yield Builder(buildah, base, lab, done.stdout + done.stderr)
        finally:
            buildah.remove_image(APP_IMAGE)
            buildah.remove_image(TOOL_IMAGE)


def without_step(text: str) -> str:
    """examples/Dockerfile minus the pip-tls-setup RUN step and the ENV lines it prints."""
    start = text.index(STEP)
    end = text.index("\nWORKDIR", start)
    return text[:start] + text[end + 1 :]


def test_tool_image_builds_behind_the_proxy_with_the_secret_ca(builder: Builder) -> None:
    assert "+ 1 corporate CA(s)" in builder.tool_log
    assert "wrote /out/pip-tls-setup" in builder.tool_log
    done = builder.buildah.run_in(TOOL_IMAGE, ["python3", "/pip-tls-setup", "--version"])
    assert done.returncode == 0 and "pip-tls-setup" in done.stdout, done.stderr


def test_example_dockerfile_installs_through_the_proxy_after_the_step(builder: Builder, tmp_path: Path) -> None:
    code, log = builder.build_app(tmp_path / "ctx", (REPO / "examples" / "Dockerfile").read_text())
    assert code == 0, log[-6000:]
    assert "Successfully installed corp-hello" in log
    assert "verify: ok" in log
    assert "ENV SSL_CERT_FILE=/etc/pip-tls-setup/ca-bundle.pem" in log  # the lines the step prints
    done = builder.buildah.run_in(APP_IMAGE, ["/opt/venv/bin/python", "-c", "import corp_hello; print('ok')"])
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr
    # the secret was mounted for one RUN only: no layer holds it
    done = builder.buildah.run_in(APP_IMAGE, ["sh", "-c", "ls /run/secrets 2>/dev/null | wc -l"])
    assert done.stdout.strip() == "0"


def test_example_dockerfile_without_the_step_fails(builder: Builder, tmp_path: Path) -> None:
    code, log = builder.build_app(tmp_path / "ctx", without_step((REPO / "examples" / "Dockerfile").read_text()))
    assert code != 0
    assert "CERTIFICATE_VERIFY_FAILED" in log
    assert "Successfully installed" not in log


def test_trusted_host_fails_the_build_at_the_step(builder: Builder, tmp_path: Path) -> None:
    text = (REPO / "examples" / "Dockerfile").read_text()
    text = text.replace("pip install --no-cache-dir -r", "pip install --no-cache-dir --trusted-host index.corp.test -r")
    assert "--trusted-host" in text
    code, log = builder.build_app(tmp_path / "ctx", text)
    assert code != 0
    assert "PTS101" in log and "Dockerfile" in log, log[-6000:]
    failed = [line for line in log.splitlines() if line.startswith("Error: building at STEP")]
    assert failed and "pip-tls-setup scan /src" in failed[0], failed
    assert "Successfully installed" not in log
