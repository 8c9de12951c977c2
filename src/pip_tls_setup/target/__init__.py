"""What the tool acts on: the root file system (``--root``), its OS family, the target Pythons,
and the privilege this run has to change system files."""
