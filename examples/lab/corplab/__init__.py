"""corplab: a local corporate-proxy lab.

A package index (pypiserver) behind a TLS-intercepting proxy (mitmproxy with its
own CA, standing in for Zscaler/Netskope/...), reached under reserved names such
as ``index.corp.test``. Everything listens on loopback; the proxy refuses every
host it does not know, so nothing leaves the machine.

Used by ``examples/lab/run.sh`` (the demo) and by the end-to-end tests.
"""
