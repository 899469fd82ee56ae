"""The record of processing (GDPR article 30), kept in code so that the page the data protection
officer reads and ``docs/record-of-processing.md`` (``manage.py record_of_processing``) agree."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _


def records():
    days = settings.RETENTION_DAYS
    return [
        {
            "data": _("Hosts: name, e-mail, phone, language; the home's address and description"),
            "purpose": _(
                "To phone and visit hosts, to find a household that suits the home, and to tell "
                "the host how the offer goes."
            ),
            "basis": _(
                "Consent (GDPR art. 6.1 a), given in the sign-up form with the notice's version."
            ),
            "who": _(
                "Volunteers and volunteer coordinators; after referral, the partner's coordinators."
            ),
            "kept": _(
                "While the offer is open; erased %(days)d days after it was withdrawn, rejected or "
                "unreachable, or at once on the host's request."
            )
            % {"days": days["hosts_after_withdrawal"]},
        },
        {
            "data": _("Call attempts and notes, notes on hosts"),
            "purpose": _("So that the next volunteer knows what was said, and for follow-up."),
            "basis": _("Consent of the host (art. 6.1 a)."),
            "who": _("Volunteers and volunteer coordinators."),
            "kept": _("The note text is removed after %(days)d days; the outcome stays, anonymous.")
            % {"days": days["call_notes"]},
        },
        {
            "data": _("Home visit reports"),
            "purpose": _("To judge whether the home suits the programme and to tell the partner."),
            "basis": _("Consent of the host (art. 6.1 a)."),
            "who": _("Volunteers, volunteer coordinators, the partner's coordinators."),
            "kept": _("The report text is removed after %(days)d days.")
            % {"days": days["visit_reports"]},
        },
        {
            "data": _(
                "Newcomer cases: the partner's case reference, household size and ages, languages, "
                "needs that rule homes out (yes/no), preferred areas, dates, outcome after the "
                "establishment period; no names, no personal identity numbers, no health details"
            ),
            "purpose": _(
                "To find housing for households assigned under the Settlement Act, and to follow "
                "up the outcome."
            ),
            "basis": _(
                "A task in the public interest: the municipality's duty under the Settlement Act "
                "(art. 6.1 e)."
            ),
            "who": _("Only the coordinators and managers of the partner that keeps the case."),
            "kept": _(
                "Notes and case reference removed %(days)d days after the case was closed; the "
                "anonymous figures stay for the reports."
            )
            % {"days": days["closed_cases"]},
        },
        {
            "data": _(
                "Volunteer applicants and volunteers: name, contact details, languages, area"
            ),
            "purpose": _("To review applications and to plan calls and visits."),
            "basis": _("Consent (art. 6.1 a) and the volunteer agreement (art. 6.1 b)."),
            "who": _("Volunteer coordinators."),
            "kept": _(
                "Declined applications are anonymised after %(days)d days; accounts until the "
                "volunteer leaves."
            )
            % {"days": days["declined_volunteers"]},
        },
        {
            "data": _("Access log and security events"),
            "purpose": _(
                "To show who opened personal data, and to detect attacks. Security events hold no "
                "personal data."
            ),
            "basis": _("Legal obligation to protect personal data (art. 6.1 c, art. 32)."),
            "who": _("The data protection officer."),
            "kept": _("Kept for the data protection officer's audits; never edited."),
        },
    ]


def as_markdown() -> str:
    lines = [
        "# Record of processing",
        "",
        "Written by `python manage.py record_of_processing` from `privacy/processing.py`; the data "
        "protection officer reads the same record in the portal at `/privacy-officer/record/`.",
        "",
    ]
    for record in records():
        lines += [
            f"## {record['data']}",
            "",
            f"- **Purpose:** {record['purpose']}",
            f"- **Legal basis:** {record['basis']}",
            f"- **Who sees it:** {record['who']}",
            f"- **How long it is kept:** {record['kept']}",
            "",
        ]
    return "\n".join(lines)
