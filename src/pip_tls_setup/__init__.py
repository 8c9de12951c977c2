"""pip-tls-setup: make pip work behind TLS-intercepting proxies with verification on."""

__version__ = "0.1.0"
