import random
import time

from django.core.management.base import BaseCommand

from portal.demo.simulation import simulate_step


class Command(BaseCommand):
    help = (
        "Append live-looking telemetry (sessions, battery readings, an occasional error) and an "
        "occasional payment for the demo customers, for --minutes of wall time, so the current "
        "month's report can be watched changing (the refresh tick applies them every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=10, help="how long to run (default 10)")
        parser.add_argument("--every", type=float, default=5, help="seconds between steps (default 5)")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")

    def handle(
        self, *args: object, minutes: float, every: float, seed: int | None, **options: object
    ) -> None:
        rng = random.Random(seed)
        deadline = time.monotonic() + minutes * 60
        totals = [0, 0, 0]
        while True:
            figures = simulate_step(rng)
            totals = [totals[0] + figures.events, totals[1] + figures.readings, totals[2] + figures.payments]
            self.stdout.write(
                f"+{figures.events} events, +{figures.readings} readings, +{figures.payments} payments "
                f"(total {totals[0]} / {totals[1]} / {totals[2]})"
            )
            if time.monotonic() + every > deadline:
                return
            time.sleep(every)
