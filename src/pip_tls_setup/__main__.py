from pip_tls_setup.cli import main

raise SystemExit(main())
