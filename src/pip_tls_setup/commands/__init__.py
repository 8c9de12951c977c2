"""One module per subcommand: ``NAME``, ``HELP``, ``EPILOG``, ``add_arguments(parser)``, ``run(args)``."""
