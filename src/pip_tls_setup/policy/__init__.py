"""Enforcement: find insecure installer configuration in a repository (``scan``) and in force on a
machine (``runtime.evaluate``). Parsers report :class:`findings.Hit`; the engine turns them into
:class:`findings.Finding`; ``pip_tls_setup.report`` renders them."""
