"""The `otklik` command: Django management with Otklik's settings. `otklik serve` goes to the
supervisor before Django loads (otklik.runtime.supervisor): the process that watches the others
stays small."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        from otklik.runtime.supervisor import main as serve

        sys.exit(serve(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
