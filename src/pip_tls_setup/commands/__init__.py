"""One module per subcommand: ``NAME``, ``HELP``, ``DESCRIPTION``, ``EPILOG``, ``add_arguments(parser)`` and
``run(args, env) -> int`` (``env``: the environment, read once by ``cli.main``). Commands never import
each other; what several share is in ``common``."""
