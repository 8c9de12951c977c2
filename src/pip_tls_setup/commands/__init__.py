"""One module per subcommand: ``NAME``, ``HELP``, ``EPILOG``, ``add_arguments(parser)``, ``run(args, env)`` (``env``: the environment, read once by ``cli.main``)."""
