"""What the operator gives us, validated: certificates (PEM, DER, PKCS#7) and their lint,
the CA sources (``--ca``, ``$PIP_TLS_SETUP_CA``) and fingerprint pins."""
