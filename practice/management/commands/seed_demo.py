import time

from django.core.management.base import BaseCommand

from practice import demo


class Command(BaseCommand):
    help = "Load the demo practices (Dutch dental, Finnish vet) with staff logins and data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) when the demo exists.",
        )
        parser.add_argument("--reset", action="store_true", help="Delete the demo first.")
        parser.add_argument(
            "--clients", type=int, default=250, help="Clients per practice (default 250)."
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=None,
            help="Appointments for the Dutch practice, e.g. 1000000.",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["reset"]:
            demo.delete_demo()
        if demo.demo_exists():
            if not options["if_empty"]:
                self.stderr.write("The demo practices exist already: use --reset to rebuild.")
                return
        else:
            for built in demo.seed_demo(
                clients=options["clients"],
                scale=options["scale"],
                log=lambda line: self.stdout.write(line),
            ):
                self.stdout.write(
                    f"{built.practice.name}: {built.clients} clients, {built.patients} patients,"
                    f" {built.appointments} appointments"
                )
            self.stdout.write(f"Built in {time.monotonic() - started:.1f} s")
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (password for all: demo1234)"))
        self.stdout.write(f"  {'username':<16} {'practice':<28} role")
        self.stdout.write(f"  {'admin':<16} {'(all practices)':<28} superuser")
        for username, practice, role in demo.demo_logins():
            self.stdout.write(f"  {username:<16} {practice:<28} {role}")
        self.stdout.write("Open http://127.0.0.1:8000 and log in, e.g. as 'reception'.")
