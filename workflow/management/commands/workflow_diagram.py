"""Write the workflow diagrams (Mermaid) into docs/workflow.md, drawn from the declarations."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from hosts.workflow import HOME_WORKFLOW
from housing.workflow import VACANCY_WORKFLOW
from matching.workflow import MATCH_WORKFLOW
from newcomers.workflow import CASE_WORKFLOW
from reports.workflow import REPORT_RUN_WORKFLOW
from volunteers.workflow import APPLICATION_WORKFLOW, VISIT_WORKFLOW
from work.workflow import PLACEMENT_WORKFLOW

HEADER = """# Workflows

Drawn by `python manage.py workflow_diagram` from the transition tables in each app's
`workflow.py` (`hosts`, `newcomers`, `matching`, `volunteers`, `housing`, `reports`, `work`); do
not edit by hand. Each arrow is
`step [roles allowed]`; `(reason)` means the step requires a reason; `host` is the host through
self-service and `system` is the portal itself (a step another step makes, e.g. approving a match
moves the home and the case). A paused home resumes at the stage it was paused from. A home visit
can be moved or cancelled before its start time and reported from then on (the actions check the
time). A placement's employer steps are open to `partner_coordinator` only where the municipality
itself is the employer, and its proposal steps only to the coordinators of the integration unit it
is offered to (the actions check the side).
"""

TITLES = {
    "home": "A home (the offer)",
    "case": "A newcomer case",
    "match": "A match (home × case)",
    "visit": "A home visit (hembesök)",
    "application": "A volunteer application",
    "vacancy": "A vacancy under the quota",
    "report_run": "A report run",
    "placement": "A placement (the road to work)",
}

WORKFLOWS = (
    HOME_WORKFLOW,
    CASE_WORKFLOW,
    MATCH_WORKFLOW,
    VISIT_WORKFLOW,
    APPLICATION_WORKFLOW,
    VACANCY_WORKFLOW,
    REPORT_RUN_WORKFLOW,
    PLACEMENT_WORKFLOW,
)


DEFAULT_OUTPUT = Path(settings.BASE_DIR) / "docs" / "workflow.md"


class Command(BaseCommand):
    help = "Write the workflow diagrams (Mermaid) into docs/workflow.md."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
        parser.add_argument(
            "--readme",
            default=None,
            help="The README whose home diagram to update (default: README.md, when writing "
            "docs/workflow.md).",
        )

    def handle(self, *args, output, readme=None, **options):
        if readme is None and Path(output) == DEFAULT_OUTPUT:
            readme = str(Path(settings.BASE_DIR) / "README.md")
        parts = [HEADER]
        for workflow in WORKFLOWS:
            parts.append(f"## {TITLES[workflow.name]}\n\n```mermaid\n{workflow.mermaid()}\n```\n")
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(parts), encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
        readme_path = Path(readme) if readme else None
        if readme_path is not None and readme_path.is_file():
            readme_path.write_text(with_home_diagram(readme_path.read_text(encoding="utf-8")))
            self.stdout.write(f"Updated the diagram in {readme_path}")


def with_home_diagram(text: str) -> str:
    """The README's text with the home's diagram between its two markers."""
    start, end = "<!-- workflow:start -->", "<!-- workflow:end -->"
    if start not in text or end not in text:
        return text
    before, rest = text.split(start, 1)
    _old, after = rest.split(end, 1)
    return f"{before}{start}\n```mermaid\n{HOME_WORKFLOW.mermaid()}\n```\n{end}{after}"
