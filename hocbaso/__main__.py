from hocbaso.cli import main

raise SystemExit(main())
