"""doctor's and verify's read-only path: proxy settings as pip reads them, what each target pip sees,
the interception probe, the known traps, and the end-to-end verification."""
