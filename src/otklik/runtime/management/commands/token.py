from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from otklik.accounts.models import User
from otklik.accounts.services import token_create


class Command(BaseCommand):
    help = "Print a new API token for a user (stored hashed; shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label to recognise the token by")
        parser.add_argument(
            "--integration",
            action="store_true",
            help="the token may put notifications in the queue for others (POST /api/v1/notifications/enqueue)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        if not user.is_active:
            raise CommandError(f"user {user.username!r} is not active")
        _, raw = token_create(user=user, name=options["name"], integration=options["integration"])
        self.stdout.write(raw)
