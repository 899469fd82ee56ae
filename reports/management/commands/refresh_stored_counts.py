"""Refresh the dashboard's stored counts from the logs (``reports.daily.refresh``)."""

from django.core.management.base import BaseCommand

from reports import actions


class Command(BaseCommand):
    help = (
        "Refresh the counts the dashboard keeps for finished days: the last days and whatever "
        "was written since the last refresh, or everything with --full."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="recompute every finished day and registration"
        )

    def handle(self, *args, full=False, **options):
        state = actions.refresh_stored_counts(full=full)
        self.stdout.write(
            f"Stored counts refreshed ({'in full' if state.full else 'the changed part'}): "
            f"{state.days} days of calls, {state.homes} registrations, up to "
            f"{state.covered_until}, in {state.seconds:.1f} s."
        )
