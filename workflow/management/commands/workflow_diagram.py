"""Write the workflow diagrams (Mermaid) into docs/workflow.md, drawn from the declarations."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from hosts.workflow import HOME_WORKFLOW
from matching.services import MATCH_WORKFLOW
from newcomers.workflow import CASE_WORKFLOW

HEADER = """# Workflows

Drawn by `python manage.py workflow_diagram` from the transition tables in `hosts/workflow.py`,
`newcomers/workflow.py` and `matching/services.py`; do not edit by hand. Each arrow is
`step [roles allowed]`; `(reason)` means the step requires a reason; `host` is the host through
self-service and `system` is the portal itself (a step another step makes, e.g. approving a match
moves the home and the case). A paused home resumes at the stage it was paused from.
"""

TITLES = {
    "home": "A home (the offer)",
    "case": "A newcomer case",
    "match": "A match (home × case)",
}


class Command(BaseCommand):
    help = "Write the workflow diagrams (Mermaid) into docs/workflow.md."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "docs" / "workflow.md")
        )

    def handle(self, *args, output, **options):
        parts = [HEADER]
        for workflow in (HOME_WORKFLOW, CASE_WORKFLOW, MATCH_WORKFLOW):
            parts.append(f"## {TITLES[workflow.name]}\n\n```mermaid\n{workflow.mermaid()}\n```\n")
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(parts), encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
