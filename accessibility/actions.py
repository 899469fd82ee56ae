"""Receiving an accessibility report."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from notifications.actions import queue_email

from . import routing
from .models import AccessibilityReport
from .statement import ANSWER_WITHIN_WORKING_DAYS


@transaction.atomic
def report_accessibility_problem(
    *,
    text: str,
    page: str = "",
    name: str = "",
    email: str = "",
    phone: str = "",
    municipality=None,
    language: str,
) -> AccessibilityReport:
    """Store the report and tell the people it goes to (``routing.recipients``), each in their
    own language. The e-mail names the page and the municipality and links to the report in
    the admin; what was written and how to reach the person stay in the portal."""
    route, people = routing.recipients(municipality)
    report = AccessibilityReport.objects.create(
        text=text,
        page=page,
        name=name,
        email=email,
        phone=phone,
        municipality=municipality,
        language=language,
        routed_to=route,
    )
    url = settings.SITE_URL + reverse(
        "admin:accessibility_accessibilityreport_change", args=[report.pk]
    )
    for person in people:
        queue_email(
            to=person.email,
            template="accessibility_report",
            context={
                "name": person.get_full_name() or person.username,
                "page": page,
                "municipality": municipality.short_name if municipality else "",
                "wants_an_answer": report.wants_an_answer,
                "url": url,
                "days": ANSWER_WITHIN_WORKING_DAYS,
            },
            language=person.language,
        )
    return report
