from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from privacy.processing import as_markdown


class Command(BaseCommand):
    help = "Write the record of processing into docs/record-of-processing.md (in English)."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "record-of-processing.md"
        with translation.override("en"):
            path.write_text(as_markdown(), encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
