#!/usr/bin/env python3
"""Build pip-tls-setup as one self-contained file (a zipapp) that any Linux image with CPython 3.9-3.14
can run with no network and no pip:

    python3 tools/build_single_file.py --out dist/pip-tls-setup [--wheelhouse DIR] [--offline]

It carries the tool's source, the pure-Python dependencies (certifi, PyYAML's Python code, truststore,
typing-extensions), cryptography's abi3 extension for Linux x86_64/aarch64 with glibc (manylinux2014)
and musl (musllinux_1_2), and cffi's backend for each CPython 3.9-3.14 on those platforms. Every wheel
comes from ``entrypoint/requirements.lock`` and must match one of its hashes; wheels are downloaded
into the wheelhouse (default ``.cache/single-file/wheels``) from the index pip uses, unless
``--offline``. The output is deterministic for the same inputs. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import stat
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pts_index

HERE = Path(__file__).resolve().parent
SITE = HERE.parent / "entrypoint"  # what runs at the user's site: bootstrap, single-file main, the lock
REPO = HERE.parent
PYTHONS = ("cp39", "cp310", "cp311", "cp312", "cp313", "cp314")
# variant -> (platform tag the wheel must carry, minimum libc)
VARIANTS = {
    "manylinux_x86_64": ("manylinux_2_17_x86_64", (2, 17)),
    "manylinux_aarch64": ("manylinux_2_17_aarch64", (2, 17)),
    "musllinux_x86_64": ("musllinux_1_2_x86_64", (1, 2)),
    "musllinux_aarch64": ("musllinux_1_2_aarch64", (1, 2)),
}
PURE = ("certifi", "truststore", "typing-extensions")
EPOCH = (2020, 1, 1, 0, 0, 0)
META = "pip_tls_setup_single_file.json"


def _tags(filename: str) -> tuple[str, str, set[str]]:
    py, abi, plat = pts_index.wheel_tags(filename)
    return py, abi, set(plat.split("."))


def wanted(pins: dict[str, pts_index.Pin]) -> dict[str, tuple[str, str]]:
    """key -> (project, filename pattern) for every wheel the build needs."""
    need: dict[str, tuple[str, str]] = {}
    for name in PURE:
        need[f"pure/{name}"] = (name, "any")
    need["pure/pyyaml"] = ("pyyaml", "cp311-cp311-manylinux_2_17_x86_64")
    for key, (plat, _) in VARIANTS.items():
        need[f"{key}/cryptography"] = ("cryptography", f"cp39-abi3-{plat}")
        for tag in PYTHONS:
            need[f"{key}/{tag}/cffi"] = ("cffi", f"{tag}-{tag}-{plat}")
    for project, _ in need.values():
        if project not in pins:
            raise SystemExit(f"{project} is not pinned in the lock")
    return need


def matches(filename: str, project: str, version: str, pattern: str) -> bool:
    if not filename.endswith(".whl") or pts_index.wheel_version(filename) != version:
        return False
    if pts_index.normalize(filename.split("-", 1)[0]) != pts_index.normalize(project):
        return False
    py, abi, plats = _tags(filename)
    if pattern == "any":
        return abi == "none" and "any" in plats
    want_py, want_abi, want_plat = pattern.split("-", 2)
    return py == want_py and abi == want_abi and want_plat in plats


def fetch(
    pins: dict[str, pts_index.Pin], wheelhouse: Path, offline: bool, index: str | None, cert: str | None
) -> dict[str, Path]:
    need = wanted(pins)
    found: dict[str, Path] = {}
    local = sorted(p.name for p in wheelhouse.glob("*.whl")) if wheelhouse.is_dir() else []
    listings: dict[str, list[pts_index.IndexFile]] = {}
    context = pts_index.ssl_context(cert)
    for key, (project, pattern) in sorted(need.items()):
        pin = pins[project]
        allowed = set(pin.hashes)
        hit = [n for n in local if matches(n, project, pin.version, pattern)]
        hit = [n for n in hit if pts_index.sha256_of(wheelhouse / n) in allowed]
        if hit:
            found[key] = wheelhouse / hit[0]
            continue
        if offline:
            raise SystemExit(f"{key}: no {project}=={pin.version} wheel for {pattern} in {wheelhouse} (--offline)")
        if project not in listings:
            listings[project] = pts_index.project_files(index or pts_index.default_index_url(), project, context)
        candidates = [f for f in listings[project] if matches(f.filename, project, pin.version, pattern)]
        candidates = [f for f in candidates if f.sha256 is None or f.sha256 in allowed]
        if not candidates:
            raise SystemExit(f"{key}: the index has no {project}=={pin.version} wheel for {pattern} in the lock")
        found[key] = pts_index.download(candidates[0], wheelhouse, context, allowed)
        print(f"downloaded {found[key].name}", file=sys.stderr)
    return found


class Builder:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
        self.names: set[str] = set()
        self.digest = hashlib.sha256()

    def add(self, name: str, data: bytes) -> None:
        if name in self.names:
            raise SystemExit(f"{name} would be added twice")
        self.names.add(name)
        info = zipfile.ZipInfo(name, date_time=EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        self.zip.writestr(info, data)
        self.digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())

    def add_wheel(self, wheel: Path, prefix: str, keep: re.Pattern[str], licenses: str | None = None) -> None:
        with zipfile.ZipFile(wheel) as archive:
            for member in sorted(archive.namelist()):
                if member.endswith("/"):
                    continue
                if ".dist-info/" in member:
                    inner = member.split(".dist-info/", 1)[1]
                    if licenses and re.search(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", inner):
                        self.add(f"licenses/{licenses}/{inner}", archive.read(member))
                    continue
                if keep.match(member):
                    self.add(prefix + member, archive.read(member))


def build(src: Path, wheels: dict[str, Path], lock_text: str) -> tuple[bytes, str]:
    out = Builder()
    out.add("__main__.py", (SITE / "single_file_main.py").read_bytes())
    project_license = src.parent / "LICENSE"  # the project's own licence, beside the bundled ones
    if project_license.is_file():
        out.add("licenses/pip-tls-setup/LICENSE", project_license.read_bytes())
    package = src / "pip_tls_setup"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            out.add("site/" + path.relative_to(src).as_posix(), path.read_bytes())
    everything = re.compile(r".*")
    out.add_wheel(wheels["pure/certifi"], "site/", everything, "certifi")
    out.add_wheel(wheels["pure/truststore"], "site/", everything, "truststore")
    out.add_wheel(wheels["pure/typing-extensions"], "site/", everything, "typing-extensions")
    out.add_wheel(wheels["pure/pyyaml"], "site/", re.compile(r"yaml/[^/]+\.py$"), "pyyaml")
    first = True
    for key in VARIANTS:
        out.add_wheel(
            wheels[f"{key}/cryptography"],
            f"native/{key}/common/",
            everything,
            "cryptography" if first else None,
        )
        for tag in PYTHONS:
            out.add_wheel(wheels[f"{key}/{tag}/cffi"], f"native/{key}/{tag}/", everything, "cffi" if first else None)
            first = False
    build_id = out.digest.hexdigest()
    meta = {
        "build": build_id,
        "lock_sha256": hashlib.sha256(lock_text.encode()).hexdigest(),
        "pythons": list(PYTHONS),
        "variants": {key: {"platform": plat, "libc": list(libc)} for key, (plat, libc) in VARIANTS.items()},
        "wheels": {key: path.name for key, path in sorted(wheels.items())},
    }
    out.add(META, json.dumps(meta, indent=1, sort_keys=True).encode())
    out.zip.close()
    return b"#!/usr/bin/env python3\n" + out.buffer.getvalue(), build_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(REPO / "dist" / "pip-tls-setup"), help="the single file to write")
    parser.add_argument("--src", default=str(REPO / "src"), help="directory holding the pip_tls_setup package")
    parser.add_argument("--lock", default=str(SITE / "requirements.lock"))
    parser.add_argument("--wheelhouse", default=str(REPO / ".cache" / "single-file" / "wheels"))
    parser.add_argument("--offline", action="store_true", help="use only wheels already in the wheelhouse")
    parser.add_argument("--index-url", help="package index (default: the one pip uses)")
    parser.add_argument("--cert", help="CA bundle for the index (default: the system's)")
    parser.add_argument("--fetch-only", action="store_true", help="fill the wheelhouse, build nothing")
    args = parser.parse_args(argv)
    lock_text = Path(args.lock).read_text(encoding="utf-8")
    pins = {pts_index.normalize(p.name): p for p in pts_index.read_pins(lock_text)}
    wheelhouse = Path(args.wheelhouse)
    wheels = fetch(pins, wheelhouse, args.offline, args.index_url, args.cert)
    if args.fetch_only:
        print(f"{len(wheels)} wheels in {wheelhouse}", file=sys.stderr)
        return 0
    data, build_id = build(Path(args.src), wheels, lock_text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(data)
    os.chmod(partial, 0o755)  # noqa: S103 - the single file is a program
    partial.replace(out)
    print(f"wrote {out} ({len(data) / 1e6:.1f} MB, build {build_id[:16]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
