"""``python -m actorgrid`` runs the command-line interface."""

from actorgrid.cli import main

raise SystemExit(main())
