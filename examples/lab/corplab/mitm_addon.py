"""mitmproxy addon for the lab: route reserved lab names to loopback servers, refuse everything else.

Loaded by mitmdump with ``-s``. ``CORPLAB_UPSTREAMS`` maps host names to the
``http://127.0.0.1:PORT`` servers behind them. A host not in the map gets a 502
from the proxy itself: the lab never opens a connection off this machine.
"""

import json
import os
from urllib.parse import urlsplit

from mitmproxy import http

UPSTREAMS = json.loads(os.environ.get("CORPLAB_UPSTREAMS", "{}"))


def request(flow: http.HTTPFlow) -> None:
    host = flow.request.pretty_host.lower()
    target = UPSTREAMS.get(host)
    if target is None:
        flow.response = http.Response.make(
            502, f"corplab proxy: no route to {host} (lab names only)\n".encode(), {"Content-Type": "text/plain"}
        )
        return
    parts = urlsplit(target)
    flow.request.scheme = parts.scheme
    flow.request.host = parts.hostname or "127.0.0.1"
    flow.request.port = parts.port or (443 if parts.scheme == "https" else 80)
    flow.request.host_header = host
