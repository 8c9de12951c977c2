"""Enforcement: find insecure installer configuration in a repository (``scan``) and in force on a
machine (``runtime.evaluate``). Parsers report :class:`findings.Hit`; the scanner turns them into
:class:`findings.Finding`; ``pip_tls_setup.policy.formats`` renders them."""
