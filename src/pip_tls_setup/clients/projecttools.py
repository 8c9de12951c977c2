"""pipenv, poetry, pdm, hatch: Python tools with their own venv (how pipx installs them).

Each reads the certifi of the venv it is installed in (poetry and hatch through requests/httpx), so that venv
becomes a Python target. pipenv also carries its own patched pip, whose vendored certifi
(``pipenv/patched/pip/_vendor/certifi/cacert.pem``) is what it installs with: setup appends the corporate CAs
there too.
"""

from __future__ import annotations

import json
import os

from pip_tls_setup.clients import base, pipjudge
from pip_tls_setup.clients.venvs import shebang_python
from pip_tls_setup.inject.edits import blocks

ASK = (
    "import importlib, json, os, sys\n"
    "name = sys.argv[1]\n"
    "out = {'version': None, 'location': None}\n"
    "try:\n"
    "    from importlib import metadata\n"
    "    out['version'] = metadata.version(name)\n"
    "except Exception:\n"
    "    pass\n"
    "try:\n"
    "    module = importlib.import_module(name)\n"
    "    out['location'] = os.path.dirname(os.path.abspath(module.__file__))\n"
    "except Exception:\n"
    "    pass\n"
    "print(json.dumps(out))\n"
)
PATCHED_CERTIFI = "patched/pip/_vendor/certifi/cacert.pem"
POETRY_FETCH = (
    "import sys\n"
    "from poetry.utils.authenticator import Authenticator\n"
    "try:\n"
    "    r = Authenticator().request('get', sys.argv[1], raise_for_status=False)\n"
    "    print('STATUS', r.status_code)\n"
    "except Exception as exc:\n"
    "    chain, seen = [], exc\n"
    "    while seen is not None and len(chain) < 10:\n"
    "        chain.append(repr(seen))\n"
    "        seen = seen.__cause__ or seen.__context__\n"
    "    text = ' | '.join(chain)\n"
    "    ssl = [c for c in chain if 'CERTIFICATE_VERIFY_FAILED' in c]\n"
    "    print(('SSLERROR ' + ssl[-1]) if ssl else ('FAILED ' + text)[:400])\n"
)
DURABLE_VENV = "its venv ({venv}) is a Python target: corporate CAs appended to its certifi"
DURABLE_PIPENV = DURABLE_VENV + ", and to its patched pip's vendored certifi"


class ProjectTool(base.Client):
    """A tool found as a console script on PATH whose ``#!`` names a venv's Python."""

    package: str = ""
    trap: str = ""

    def __init__(self, name: str, package: str, title: str, trap: str = "") -> None:
        self.name, self.package, self.title, self.trap = name, package, title, trap

    def find(self, ctx: base.Context) -> base.Found | None:
        script = ctx.which(self.name)
        if script is None:
            return None
        python = shebang_python(ctx, script)
        if python is None:
            return None
        code, out = ctx.query([python, "-c", ASK, self.package])
        try:
            info = json.loads(out.strip().splitlines()[-1]) if code == 0 else {}
        except (ValueError, IndexError):
            info = {}
        venv = os.path.dirname(os.path.dirname(python))
        facts = {"python": python, "location": info.get("location"), "venv": venv}
        reads = [base.Source("bundle", f"{venv}: site-packages certifi", "the venv it is installed in")]
        durable = DURABLE_VENV.format(venv=venv)
        if self.name == "pipenv" and info.get("location"):
            patched = os.path.join(str(info["location"]), PATCHED_CERTIFI)
            reads.append(base.Source("bundle", patched, "its patched pip's vendored certifi", ctx.exists(patched)))
            facts["patched_certifi"] = patched
            durable = DURABLE_PIPENV.format(venv=venv)
        reads.append(base.Source("env", "REQUESTS_CA_BUNDLE / SSL_CERT_FILE / PIP_CERT", "replace certifi"))
        traps = (self.trap,) if self.trap else ()
        return base.Found(self.name, info.get("version"), script, tuple(reads), durable, traps, facts, (python,))

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        patched = found.facts.get("patched_certifi")
        if patched:
            pem = ctx.pem
            result.edits.append(
                base.Edit(
                    str(patched),
                    lambda text: blocks.upsert(text, pem),
                    "pipenv's patched pip: vendored certifi, corporate CAs appended",
                    depth=4,
                    package_file=True,
                )
            )
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        patched = found.facts.get("patched_certifi")
        return [str(patched)] if patched else None

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        python = str(found.facts["python"])
        if self.name == "pipenv" and found.facts.get("patched_certifi"):
            # How pipenv itself runs its pip (get_runnable_pip): the patched pip's __pip-runner__.py.
            runner = os.path.join(str(found.facts["location"]), "patched", "pip", "__pip-runner__.py")
            argv: tuple[str, ...] = (python, runner, "download", "--no-deps", "--no-cache-dir")
            argv += ("--retries", "0")
            argv += ("--timeout", str(int(request.timeout)), "-d", request.workdir, "--index-url", request.index)
            what = f"pipenv's patched pip downloads {request.project}"
            return base.Probe((*argv, request.project), pipjudge.pip_download_judge, what=what)
        if self.name == "poetry":
            url = f"{request.index}{request.project}/"
            return base.Probe((python, "-c", POETRY_FETCH, url), pipjudge.python_fetch_judge, what=f"poetry GET {url}")
        return None


PIPENV = ProjectTool("pipenv", "pipenv", "pipenv", "pipenv-vendored-pip")
POETRY = ProjectTool("poetry", "poetry", "poetry")
PDM = ProjectTool("pdm", "pdm", "pdm")
HATCH = ProjectTool("hatch", "hatch", "hatch")
