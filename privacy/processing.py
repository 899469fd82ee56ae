"""The record of processing (GDPR article 30), kept in code so that the page the data protection
officer reads and ``docs/record-of-processing.md`` (``manage.py record_of_processing``) agree.

Each entry's ``models`` names the tables (model labels) whose rows it covers: a request for access
hands over every row of them that is about the person (``privacy.exports``), and
``tests/privacy/test_export_complete.py`` fails when a table that points at a host, a home or a
user is in no entry, or a listed table is missing from the export."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _


def transition_logs(*, of: str | None = None) -> list[str]:
    """Every workflow's history (a ``TransitionLog``: each row names who took the step), or only
    the history of the kind ``of`` ("volunteers.homevisit")."""
    from django.apps import apps

    from workflow.models import TransitionLog

    def keeps_history_of(model) -> bool:
        return of is None or any(
            field.is_relation and field.related_model is apps.get_model(of)
            for field in model._meta.concrete_fields
        )

    return sorted(
        model._meta.label_lower
        for model in apps.get_models()
        if issubclass(model, TransitionLog) and keeps_history_of(model)
    )


def records():
    days = settings.RETENTION_DAYS
    return [
        {
            "data": _(
                "Hosts: name, e-mail, phone, language, consent; the home's address and "
                "description, and the history of its stages"
            ),
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
            "models": ["hosts.host", "hosts.home", "hosts.hometransition"],
        },
        {
            "data": _(
                "Call attempts and notes, notes on hosts, the home's place in the call queue and "
                "the status campaigns it is part of"
            ),
            "purpose": _(
                "So that the next volunteer knows what was said and whom to call next, and for "
                "follow-up."
            ),
            "basis": _("Consent of the host (art. 6.1 a)."),
            "who": _("Volunteers and volunteer coordinators."),
            "kept": _(
                "Call notes lose their text and notes on hosts are deleted after %(days)d days; "
                "the outcomes, the place in the queue and the campaigns stay, anonymous once the "
                "host is erased."
            )
            % {"days": days["call_notes"]},
            "models": [
                "volunteers.callattempt",
                "volunteers.hostnote",
                "volunteers.queueentry",
                "volunteers.campaign",
                # The local group the home was routed or handed over to, and why.
                "volunteers.handover",
            ],
        },
        {
            "data": _("Home visits: the time, the checklist, the report and the verdict"),
            "purpose": _("To judge whether the home suits the programme and to tell the partner."),
            "basis": _("Consent of the host (art. 6.1 a)."),
            "who": _("Volunteers, volunteer coordinators, the partner's coordinators."),
            "kept": _("The report text is removed after %(days)d days.")
            % {"days": days["visit_reports"]},
            "models": ["volunteers.homevisit", *transition_logs(of="volunteers.homevisit")],
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
            "models": ["newcomers.newcomercase", "newcomers.casetransition"],
        },
        {
            "data": _(
                "Matches: which home was offered to which household, the stages with their dates "
                "and reasons; check-ins during the stay; contracts for company flats"
            ),
            "purpose": _(
                "To house the household, to follow up how the stay goes, and to turn a sublet "
                "into a first-hand contract."
            ),
            "basis": _(
                "For the host, their consent (art. 6.1 a); for the household, the municipality's "
                "duty under the Settlement Act (art. 6.1 e)."
            ),
            "who": _(
                "The partner's coordinators and managers; volunteers and volunteer coordinators "
                "for the check-ins that are theirs; the housing company for its contracts."
            ),
            "kept": _(
                "The stages and dates stay for the reports. No retention period is set yet for "
                "the notes written at check-ins and the reasons given for a match."
            ),
            "models": [
                "matching.match",
                "matching.matchtransition",
                "stays.checkin",
                "housing.contract",
                "housing.contracttransition",
            ],
        },
        {
            "data": _(
                "Concerns about a stay (“something is wrong”): who raised it, how "
                "urgent, what they wrote in their own words, the steps taken and how it was "
                "resolved; mediation meetings: time, place, mediator and what was agreed"
            ),
            "purpose": _(
                "To respond when a host or a household is worried about the stay, and to count "
                "concerns and the time to first response in the reports."
            ),
            "basis": _(
                "For the host, their consent (art. 6.1 a); for the household, the municipality's "
                "duty under the Settlement Act (art. 6.1 e)."
            ),
            "who": _(
                "The partner's coordinators of the case; for a private home, the volunteer "
                "coordinators of the home's local group. The text is never sent by e-mail."
            ),
            "kept": _(
                "The steps and dates stay for the reports. No retention period is set yet for "
                "the text of a concern and the notes of a meeting."
            ),
            "models": [
                "stays.concern",
                *transition_logs(of="stays.concern"),
                "stays.mediation",
                *transition_logs(of="stays.mediation"),
            ],
        },
        {
            "data": _(
                "Volunteer applicants, volunteers and staff: name, contact details, languages, "
                "area; their accounts and two-factor devices"
            ),
            "purpose": _("To review applications, to plan calls and visits, and to log in."),
            "basis": _("Consent (art. 6.1 a) and the volunteer agreement (art. 6.1 b)."),
            "who": _("Volunteer coordinators."),
            "kept": _(
                "Declined applications are anonymised after %(days)d days; accounts until the "
                "volunteer leaves."
            )
            % {"days": days["declined_volunteers"]},
            "models": [
                "volunteers.volunteerapplication",
                *transition_logs(of="volunteers.volunteerapplication"),
                "volunteers.volunteerprofile",
                "accounts.user",
                "otp_totp.totpdevice",
            ],
        },
        {
            "data": _(
                "Who did what: the volunteer or member of staff who took each step of a workflow, "
                "reviewed an application, started a campaign, held a host in the call queue, "
                "recorded a vacancy, handled a data request, or asked for or downloaded a report; "
                "changes made in the admin"
            ),
            "purpose": _("To know who did what, so that work can be followed up and put right."),
            "basis": _(
                "The volunteer agreement or employment (art. 6.1 b), and the duty to show how "
                "personal data is handled (art. 5.2, art. 6.1 c)."
            ),
            "who": _("Volunteer coordinators, managers and the data protection officer."),
            "kept": _(
                "As long as the record it belongs to; when an account is erased, the rows keep "
                "only its number."
            ),
            "models": [
                *transition_logs(),
                "volunteers.volunteerapplication",
                "volunteers.campaign",
                "volunteers.queueentry",
                "housing.vacancy",
                "privacy.datarequest",
                "reports.reportrun",
                "reports.reportdownload",
                "admin.logentry",
            ],
        },
        {
            "data": _("E-mails the portal sends (the outbox): address, subject and text"),
            "purpose": _(
                "To send each e-mail once the step that causes it is saved, and to try again if "
                "sending fails."
            ),
            "basis": _(
                "The same as for the matter the e-mail is about (the host's consent, the "
                "volunteer agreement)."
            ),
            "who": _("The data protection officer and the administrators."),
            "kept": _(
                "E-mails to a person whose data is erased are deleted with it; no retention "
                "period is set yet for other e-mails that have been sent."
            ),
            "models": ["notifications.outboundemail"],
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
            "models": ["privacy.accesslog", "privacy.securityevent"],
        },
        {
            "data": _(
                "Requests for access and erasure: which records (e.g. host #12), when, who "
                "handled them; no names"
            ),
            "purpose": _("To show that each request was answered, and when."),
            "basis": _("Legal obligation (art. 6.1 c, art. 12 and art. 5.2)."),
            "who": _("The data protection officer."),
            "kept": _(
                "Kept for the data protection officer's audits. An erasure leaves only a row "
                "saying that it took place, and when."
            ),
            "models": ["privacy.datarequest", "hosts.erasurerecord"],
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
            f"- **Tables:** {', '.join(f'`{label}`' for label in record['models'])}",
            "",
        ]
    return "\n".join(lines)
