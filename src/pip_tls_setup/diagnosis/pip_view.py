"""What a target's own pip (and requests) would do: asked inside the target, with its own code.

``VIEW_SCRIPT`` runs in the target interpreter (stdlib only, Python 3.6+) and
builds pip's session the way ``pip download`` does (``create_command`` ->
``parse_args`` reads pip's config files and ``PIP_*`` variables ->
``_build_session``). From that session it reports, per index URL, the proxy
pip will use, the ``verify`` value requests will apply (a CA file, or the
default), whether pip's truststore context is mounted, and which config file
or variable set each relevant option. In ``fetch`` mode it then fetches the
index's project page with verification on, with pip's session and with the
target's ``requests`` when installed, and describes any error structurally
(exception types, OpenSSL verify code) so the tool can classify it.

Old pips without ``create_command`` fall back to ``commands_dict``; pips
without ``pip._internal`` fall back to pip's vendored requests with pip's
certifi (an approximation the report says it is).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pip_tls_setup import redact
from pip_tls_setup.diagnosis.proxies import ENV_NAMES
from pip_tls_setup.target.pythons import Target, target_env
from pip_tls_setup.target.root import Root

VIEW_SCRIPT = r"""
import json, os, re, sys, time
ARGS = json.loads(sys.argv[1])
START = time.time()
BUDGET = float(ARGS.get("budget", 15))
STEP = float(ARGS.get("step", 5))
ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
          "text/html; q=0.01")
KEYS = ("index-url", "extra-index-url", "proxy", "cert", "client-cert", "trusted-host", "use-deprecated")

def left():
    return BUDGET - (time.time() - START)

def step_timeout():
    return max(0.05, min(STEP, left()))

def describe(exc):
    seen, queue, chain = set(), [exc], []
    while queue and len(chain) < 12:
        e = queue.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        chain.append(e)
        for attr in ("reason", "__cause__", "__context__", "original_error"):
            value = getattr(e, attr, None)
            if isinstance(value, BaseException):
                queue.append(value)
        for value in getattr(e, "args", ()) or ():
            if isinstance(value, BaseException):
                queue.append(value)
    info = {"type": type(exc).__name__, "message": str(exc)[:2000],
            "chain": ["%s: %s" % (type(e).__name__, str(e)[:600]) for e in chain], "kinds": []}
    kinds = set()
    for e in chain:
        for klass in type(e).__mro__:
            kinds.add(klass.__name__)
        if getattr(e, "verify_code", None) is not None and "verify_code" not in info:
            info["verify_code"] = e.verify_code
            info["verify_message"] = getattr(e, "verify_message", None)
        if isinstance(e, OSError) and e.errno and "errno" not in info:
            info["errno"] = e.errno
    info["kinds"] = sorted(kinds)
    return info

def page_url(index, project):
    return index.rstrip("/") + "/" + project + "/"

def first_link(text, base):
    try:
        from urllib.parse import urljoin
    except ImportError:
        return None
    match = re.search(r'"url"\s*:\s*"([^"]+)"', text) or re.search(r'href="([^"]+)"', text)
    if not match:
        return None
    return urljoin(base, match.group(1).replace("&amp;", "&"))

def host_of(url):
    from urllib.parse import urlsplit
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""

def fetch(get, url, project):
    result = {"url": page_url(url, project), "ok": False}
    if left() <= 0.05:
        result["error"] = {"type": "Budget", "message": "time budget spent", "chain": [], "kinds": ["TimeoutError"]}
        return result
    started = time.time()
    try:
        response = get(result["url"])
        result["status"] = response.status_code
        result["final_url"] = response.url
        result["ok"] = True
        text = response.text[:1000000] if response.status_code == 200 else ""
        link = first_link(text, response.url) if text else None
        if link and host_of(link) and host_of(link) != host_of(response.url):
            result["file_url"] = link.split("#")[0]
            try:
                second = get(result["file_url"], stream=True)
                result["file_status"] = second.status_code
                second.close()
            except Exception as exc:
                result["ok"] = False
                result["error"] = describe(exc)
                result["error_url"] = result["file_url"]
    except Exception as exc:
        result["error"] = describe(exc)
    result["elapsed"] = round(time.time() - started, 3)
    return result

def effective(session, url, pip_session=False):
    info = {}
    try:
        # PipSession.request() passes its own proxies as request-level ones (setdefault), so pip's
        # proxy option beats the environment's for http and https, as it does for real requests.
        proxies = dict(getattr(session, "proxies", None) or {}) if pip_session else {}
        settings = session.merge_environment_settings(url, proxies, None, None, None)
        verify = settings.get("verify")
        info["verify"] = verify if isinstance(verify, (bool, str)) or verify is None else str(verify)
        proxies = settings.get("proxies") or {}
        try:
            from pip._vendor.requests.utils import select_proxy
        except ImportError:
            from requests.utils import select_proxy
        info["proxy"] = select_proxy(url, proxies)
    except Exception as exc:
        info["error"] = describe(exc)
    try:
        adapter = session.get_adapter(url)
        info["adapter"] = type(adapter).__name__
        info["ssl_context"] = getattr(adapter, "_ssl_context", None) is not None
    except Exception:
        pass
    return info

def origins(command):
    found = {}
    try:
        parsers = getattr(command.parser.config, "_parsers", {}) or {}
        for variant, entries in parsers.items():
            for fname, parser in entries:
                for section in parser.sections():
                    if section not in ("global", "download", "install"):
                        continue
                    for key in KEYS:
                        if parser.has_option(section, key):
                            found.setdefault(key, []).append(
                                {"file": fname, "section": section, "level": str(variant)})
    except Exception:
        pass
    for key in KEYS:
        name = "PIP_" + key.upper().replace("-", "_")
        if os.environ.get(name):
            found.setdefault(key, []).append({"env": name})
    return found

def pip_view(out):
    view = {"method": None}
    out["pip"] = view
    try:
        import pip
        view["version"] = pip.__version__
    except Exception as exc:
        view["error"] = describe(exc)
        return
    command = None
    try:
        try:
            from pip._internal.commands import create_command
            command = create_command("download")
        except ImportError:
            from pip._internal.commands import commands_dict
            command = commands_dict["download"]()
    except Exception as exc:
        view["internals_error"] = describe(exc)
    if command is None:
        return legacy_view(view)
    import io
    captured = io.StringIO()
    real_stderr = sys.stderr
    try:
        sys.stderr = captured
        options, _ = command.parse_args(list(ARGS.get("pip_args", [])))
    except BaseException as exc:
        sys.stderr = real_stderr
        view["error"] = {"type": "ConfigError", "message": (captured.getvalue().strip() or str(exc))[-2000:],
                         "chain": [], "kinds": ["ConfigError"]}
        return
    finally:
        sys.stderr = real_stderr
    view["method"] = "pip-session"
    view["origins"] = origins(command)
    trusted = list(getattr(options, "trusted_hosts", None) or [])
    view["options"] = {
        "index_url": getattr(options, "index_url", None),
        "extra_index_urls": list(getattr(options, "extra_index_urls", None) or []),
        "no_index": bool(getattr(options, "no_index", False)),
        "proxy": getattr(options, "proxy", None) or None,
        "cert": getattr(options, "cert", None) or None,
        "client_cert": bool(getattr(options, "client_cert", None)),
        "trusted_hosts": trusted,
        "deprecated_features": list(getattr(options, "deprecated_features_enabled", None) or []),
        "features": list(getattr(options, "features_enabled", None) or []),
    }
    urls = ARGS.get("urls") or ([options.index_url] + view["options"]["extra_index_urls"])
    options.cache_dir = None
    options.no_input = True
    options.trusted_hosts = []  # check with verification on, even where pip would not verify
    try:
        session = command._build_session(options, retries=0, timeout=step_timeout())
    except Exception as exc:
        view["error"] = describe(exc)
        return
    view["urls"] = []
    for url in urls:
        entry = {"index": url}
        entry.update(effective(session, url, pip_session=True))
        if ARGS.get("fetch"):
            entry["fetch"] = fetch(
                lambda u, stream=False: session.get(u, headers={"Accept": ACCEPT, "Cache-Control": "max-age=0"},
                                                    timeout=(step_timeout(), step_timeout()), stream=stream),
                url, ARGS.get("project", "pip"))
        view["urls"].append(entry)

def legacy_view(view):
    try:
        from pip._vendor import requests
        from pip._vendor import certifi
    except Exception as exc:
        view["error"] = describe(exc)
        return
    view["method"] = "pip-vendored-requests"
    session = requests.Session()
    session.verify = os.environ.get("PIP_CERT") or certifi.where()
    if os.environ.get("PIP_PROXY"):
        session.proxies = {"http": os.environ["PIP_PROXY"], "https": os.environ["PIP_PROXY"]}
    index = os.environ.get("PIP_INDEX_URL") or ARGS.get("default_index")
    view["options"] = {"index_url": index, "extra_index_urls": [], "no_index": False,
                       "proxy": os.environ.get("PIP_PROXY") or None, "cert": os.environ.get("PIP_CERT") or None,
                       "client_cert": False, "trusted_hosts": [], "deprecated_features": [], "features": []}
    view["urls"] = []
    for url in ARGS.get("urls") or ([index] if index else []):
        entry = {"index": url}
        entry.update(effective(session, url))
        if ARGS.get("fetch"):
            entry["fetch"] = fetch(
                lambda u, stream=False: session.get(u, timeout=(step_timeout(), step_timeout()), stream=stream),
                url, ARGS.get("project", "pip"))
        view["urls"].append(entry)

def requests_view(out, urls):
    try:
        import requests
    except Exception:
        out["requests"] = None
        return
    view = {"version": getattr(requests, "__version__", None), "urls": []}
    out["requests"] = view
    session = requests.Session()
    for url in urls:
        entry = {"index": url}
        entry.update(effective(session, url))
        entry["fetch"] = fetch(
            lambda u, stream=False: session.get(u, headers={"Accept": ACCEPT},
                                                timeout=(step_timeout(), step_timeout()), stream=stream),
            url, ARGS.get("project", "pip"))
        view["urls"].append(entry)

out = {"python": list(sys.version_info[:3]), "executable": sys.executable}
try:
    import ssl
    out["ssl"] = True
except Exception:
    out["ssl"] = False
try:
    pip_view(out)
except Exception as exc:
    out["pip"] = {"method": None, "error": describe(exc)}
if ARGS.get("fetch") and ARGS.get("requests", True):
    urls = ARGS.get("urls") or [u.get("index") for u in (out.get("pip") or {}).get("urls", []) if u.get("index")]
    if not urls and ARGS.get("default_index"):
        urls = [ARGS["default_index"]]
    try:
        requests_view(out, urls)
    except Exception as exc:
        out["requests"] = {"error": describe(exc), "urls": []}
sys.stdout.write(json.dumps(out))
"""

# Variables a chrooted target still needs: the proxy (a build behind a proxy passes it in).
PROXY_PASSTHROUGH = ENV_NAMES


@dataclass(frozen=True)
class ViewRun:
    data: dict[str, Any]
    error: str | None = None  # the script could not run or its output was not JSON


def environment(root: Root, env: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    base = target_env(root, env)
    if not root.is_host:
        base.update({k: v for k, v in env.items() if k in PROXY_PASSTHROUGH})
    base["PIP_NO_INPUT"] = "1"
    base["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    base.update(extra or {})
    return base


def run(
    root: Root,
    target: Target,
    env: Mapping[str, str],
    request: dict[str, Any],
    timeout: float,
    extra_env: Mapping[str, str] | None = None,
) -> ViewRun:
    """Run ``VIEW_SCRIPT`` in ``target`` and parse its answer (never raises for a broken target)."""
    argv = root.command([target.executable, "-c", VIEW_SCRIPT, json.dumps(request)])
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment(root, env, extra_env),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ViewRun({}, f"{target.executable} did not finish within {timeout:.0f}s")
    except OSError as exc:
        return ViewRun({}, f"{target.executable} could not be started ({exc.strerror})")
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
        return ViewRun({}, f"{target.executable} did not answer ({redact.url(detail)})")
    if not isinstance(data, dict):
        return ViewRun({}, f"{target.executable} gave an unexpected answer")
    return ViewRun(data)
