"""The OCI build step on a real builder: buildah (``bud --storage-driver vfs --isolation chroot``),
images made from a debootstrapped Debian root, the CA as a build secret, behind the lab's
intercepting proxy. buildah keeps its storage under ``.cache/pts-runners/containers`` and runs every
``RUN`` in the image's own root, so the host's trust store is never touched.

First the tool's own images are built from the top-level ``Dockerfile`` through the proxy (the builder
downloads the locked wheels for every platform, hash-checked, trusting the CA for that download only):
the runnable default target and the ``minimal`` one (``FROM scratch``, just ``/pip-tls-setup``), with the
label values ``tools/release.py --image-args`` gives. Then ``examples/Dockerfile`` is built three ways,
copying the tool from the minimal image: as is, without the pip-tls-setup step, and with a
``--trusted-host`` in a later ``RUN``.

The files pin their bases by digest (``${BASE:-python:3.12-slim@sha256:...}``); public images cannot be
pulled here, so the tests pass the local Debian base as the build args that override them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
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
MINIMAL_IMAGE = "localhost/pip-tls-setup:e2e-minimal"
APP_IMAGE = "localhost/pts-app:e2e"
STEP = "RUN --mount=type=secret,id=corp-ca"


@dataclass
class Builder:
    buildah: images.Buildah
    base: str
    lab: Lab
    tool_log: str
    labels: dict[str, str]

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
                "PIP_TLS_SETUP_IMAGE": MINIMAL_IMAGE,
                "PIP_INDEX_URL": self.lab.index_url,
                "HTTPS_PROXY": self.lab.proxy_url,
            },
            secrets={"corp-ca": self.lab.ca_path},
        )
        return done.returncode, done.stdout + done.stderr


def image_args() -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "release.py"), "--image-args"],
        capture_output=True,
        text=True,
        check=True,
    )
    values = dict(line.split("=", 1) for line in done.stdout.splitlines())
    return {**values, "SOURCE": "https://git.corp.test/tools/pip-tls-setup"}


def build_tool(buildah: images.Buildah, base: str, lab: Lab, tag: str, labels: dict[str, str], target: str) -> str:
    args = {"BUILDER": base, "RUNTIME": base, "PIP_INDEX_URL": lab.index_url, "HTTPS_PROXY": lab.proxy_url}
    argv = ["bud", "--isolation", "chroot", "--pull-never", "--layers=false", "--network", "host"]
    argv += ["-f", str(REPO / "Dockerfile"), "-t", tag, "--target", target, "--secret", f"id=corp-ca,src={lab.ca_path}"]
    for name, value in {**args, **labels}.items():
        argv += ["--build-arg", f"{name}={value}"]
    done = buildah(*argv, str(REPO), check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builder]:
    buildah = images.Buildah()
    base = buildah.base_image(images.debian_root())
    wheels = images.single_file_wheels()
    labels = image_args()
    with Lab(tmp_path_factory.mktemp("oci-lab")) as lab:
        for wheel in wheels.glob("*.whl"):
            shutil.copy(wheel, lab.packages)
        try:
            log = build_tool(buildah, base, lab, TOOL_IMAGE, labels, "runtime")
            build_tool(buildah, base, lab, MINIMAL_IMAGE, labels, "minimal")
            yield Builder(buildah, base, lab, log, labels)
        finally:
            buildah.remove_image(APP_IMAGE)
            buildah.remove_image(MINIMAL_IMAGE)
            buildah.remove_image(TOOL_IMAGE)


def image_files(buildah: images.Buildah, image: str) -> dict[str, bytes]:
    """Every file of ``image`` (path -> bytes), read from a mounted working container."""
    container = buildah("from", "--pull-never", image).stdout.strip()
    try:
        root = Path(buildah("mount", container).stdout.strip())
        found = {}
        for directory, _, names in os.walk(root):
            for name in names:
                path = Path(directory) / name
                found["/" + path.relative_to(root).as_posix()] = path.read_bytes() if path.is_file() else b""
        return found
    finally:
        buildah("rm", container, check=False)


def oci_labels(buildah: images.Buildah, image: str) -> dict[str, str]:
    labels = json.loads(buildah("inspect", "--type", "image", image).stdout)["OCIv1"]["config"].get("Labels") or {}
    return {k: v for k, v in labels.items() if k.startswith("org.opencontainers.image.")}


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


def test_minimal_image_holds_only_the_single_file_the_runnable_one_carries(builder: Builder) -> None:
    minimal = image_files(builder.buildah, MINIMAL_IMAGE)
    assert list(minimal) == ["/pip-tls-setup"]
    carried = builder.buildah.run_in(TOOL_IMAGE, ["sha256sum", "/pip-tls-setup"]).stdout.split()[0]
    assert hashlib.sha256(minimal["/pip-tls-setup"]).hexdigest() == carried  # the single file is deterministic


@pytest.mark.parametrize("image", [TOOL_IMAGE, MINIMAL_IMAGE])
def test_images_carry_full_oci_labels(builder: Builder, image: str) -> None:
    labels = oci_labels(builder.buildah, image)
    expected = {
        "source": builder.labels["SOURCE"],
        "version": builder.labels["VERSION"],
        "revision": builder.labels["REVISION"],
        "created": builder.labels["CREATED"],
        "licenses": "Apache-2.0",
    }
    for key, value in expected.items():
        assert labels[f"org.opencontainers.image.{key}"] == value, key
    assert "TLS-intercepting" in labels["org.opencontainers.image.description"]
    assert re.fullmatch(r"[0-9a-f]{40}", labels["org.opencontainers.image.revision"])


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
