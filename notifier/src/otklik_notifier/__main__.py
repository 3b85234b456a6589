from otklik_notifier.cli import main

raise SystemExit(main())
