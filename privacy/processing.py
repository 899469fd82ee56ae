"""The record of processing (GDPR article 30), kept in code so that the page the data protection
officer reads and ``docs/record-of-processing.md`` (``manage.py record_of_processing``) agree.

Each entry's ``models`` names the tables (model labels) whose rows it covers: a request for access
hands over every row of them that is about the person (``privacy.exports``), and
``tests/privacy/test_export_complete.py`` fails when a table that points at a host, a home or a
user is in no entry, or a listed table is missing from the export."""

from django.conf import settings
from django.utils.text import format_lazy
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
                "and reasons; contracts for company flats"
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
                "for the stays of their group's homes; the housing company for its contracts."
            ),
            "kept": _(
                "The stages and dates stay for the reports. No retention period is set yet for "
                "the reasons given for a match."
            ),
            "models": [
                "matching.match",
                "matching.matchtransition",
                "housing.contract",
                "housing.contracttransition",
            ],
        },
        {
            "data": _(
                "The household's own pages: the household's language, an e-mail address if the "
                "household wants its link by e-mail, its links (made, expires, last used, "
                "revoked, by whom), its yes or no to a proposed home (when, how it was given, who "
                "recorded it), and since when it waits with priority after a stay ended early"
            ),
            "purpose": _(
                "So that the household can see a proposed home, answer it, tell us when something "
                "is wrong and answer its evaluations in its own language; so that a household "
                "whose stay ended early is housed first."
            ),
            "basis": _(
                "A task in the public interest: the municipality's duty under the Settlement Act "
                "(art. 6.1 e). The e-mail address is given only if the household asks for its "
                "link by e-mail, and is used for nothing else."
            ),
            "who": _(
                "Only the coordinators of the partner that keeps the case; the e-mail address is "
                "shown to them alone. The household sees its own pages through its link, and "
                "nothing else about the case."
            ),
            "kept": _(
                "A link stops working when it expires, when a new one is made and when the case "
                "is closed. The links and the e-mail address are deleted %(days)d days after the "
                "case was closed; the answers stay, as yes or no, for the reports."
            )
            % {"days": days["closed_cases"]},
            "models": ["newcomers.newcomercase", "newcomers.householdlink", "matching.match"],
        },
        {
            "data": _(
                "Check-ins during the stay: when each is due, who it is due to, how it went (all "
                "well, a concern, urgent), the note written about it, and who made it"
            ),
            "purpose": _(
                "To keep in touch with the host and the household during the whole stay, and to "
                "act early when something is not right."
            ),
            "basis": _(
                "For the household, the municipality's duty under the Settlement Act (art. 6.1 "
                "e); for the host, their consent (art. 6.1 a)."
            ),
            "who": _(
                "The volunteers and volunteer coordinators of the home's local group for a "
                "private home; the partner's coordinators for every stay of their cases. The data "
                "protection officer can read, not change."
            ),
            "kept": _(
                "The notes are emptied %(days)d days after the household's case was closed; the "
                "dates and outcomes stay, without notes, for the reports."
            )
            % {"days": days["closed_cases"]},
            "models": ["stays.checkin", *transition_logs(of="stays.checkin")],
        },
        {
            "data": _(
                'Concerns about a stay ("something is wrong"): who raised it (the host, the '
                "household, a check-in, an evaluation, or a named member of staff), how urgent it "
                "is, what they wrote in their own words, each step with its date and who answered "
                "first, and how it was resolved; mediation meetings: when, where, the mediator, "
                "who booked it and what was agreed"
            ),
            "purpose": _(
                "To help the host and the household when something goes wrong during the stay: "
                "to answer in time, to mediate, and if needed to end the stay and find the "
                "household a new home. The anonymous figures (how many, time to first answer) go "
                "to the reports."
            ),
            "basis": _(
                "For the household, the municipality's duty under the Settlement Act (art. 6.1 "
                "e); for the host, their consent (art. 6.1 a). A text written in one's own words "
                "may reveal health or other sensitive details (art. 9): the form asks for no more "
                "than is needed, few people read it, and every opening is logged."
            ),
            "who": _(
                "The coordinators of the partner that keeps the case; for a private home, the "
                "volunteers and volunteer coordinators of the home's local group. The other side "
                "of the stay never sees what one side wrote. The data protection officer can "
                "read, not change."
            ),
            "kept": _(
                "What a host wrote, and where the meetings were held, is emptied when the "
                "host's data is erased. Every text (what was written, how it was resolved, what "
                "was agreed, where, the reasons in the history) is emptied %(days)d days after the household's case was closed; the kind, "
                "urgency, steps and dates stay, without names, for the reports."
            )
            % {"days": days["closed_cases"]},
            "models": [
                "stays.concern",
                *transition_logs(of="stays.concern"),
                "stays.mediation",
                *transition_logs(of="stays.mediation"),
            ],
        },
        {
            "data": _(
                "Evaluations: short surveys the host and the household each answer on their own "
                "after the first month and at the end of the stay (scores, yes or no, free text "
                "in their own words)"
            ),
            "purpose": _(
                "To learn how stays go and make the programme better; an answer below the "
                "partnership's threshold opens a concern. The results go to the reports only as "
                "figures, with small groups suppressed."
            ),
            "basis": _(
                "For the household, the municipality's duty under the Settlement Act (art. 6.1 "
                "e); for the host, their consent (art. 6.1 a). Answering is voluntary."
            ),
            "who": _(
                "Neither side ever sees the other's answers. The free text is shown only to staff "
                "who work on the case, and every opening is logged. The data protection officer "
                "can read the rows, not change them."
            ),
            "kept": _(
                "A host's free text is emptied when the host's data is erased. All free text is "
                "emptied %(days)d days after the household's case was closed; the scores stay, "
                "without names, for the reports."
            )
            % {"days": days["closed_cases"]},
            "models": [
                "stays.evaluation",
                "stays.evaluationanswer",
                *transition_logs(of="stays.evaluation"),
            ],
        },
        {
            "data": _(
                "Placements on the road to work (prao, work training, language practice, "
                "internships, employment): which adult of a newcomer household is proposed for a "
                "placement at which employer, the person's consent (when and how it was given, "
                "who recorded it), the Public Employment Service's reference for the person's "
                "plan (never a personal identity number), the placement's stages with their "
                "dates and reasons, and the supervisor's check-ins (attendance, the language used, "
                "how it goes, a note about the work); no names, no health details"
            ),
            "purpose": _(
                "To offer newcomers placements with employers during the establishment period, to "
                "follow how each placement goes and act when it goes badly, and to report, as "
                "figures with small groups suppressed, how many placements led to work."
            ),
            "basis": _(
                "The person's consent (art. 6.1 a), recorded before anyone is proposed. Taking "
                "part is voluntary and the consent can be withdrawn at any time: the integration "
                "unit then withdraws the proposal or ends the placement, and a withdrawn or "
                "declined proposal forgets the person at once."
            ),
            "who": _(
                "The coordinators and managers of the integration unit the placement is offered "
                "to; the employer's own staff (its supervisors) for the employer's placements "
                "only; nobody at another employer or another partner. The data protection officer "
                "can read, not change."
            ),
            "kept": _(
                "The Public Employment Service's reference, the check-in notes and the reasons in "
                "the placement's history are emptied %(days)d days after the household's case was "
                "closed, and the reason given when a proposal was declined or withdrawn %(days)d "
                "days after it was written; the kind, the stages, the dates and the attendance "
                "stay, without names, for the reports."
            )
            % {"days": days["closed_cases"]},
            "models": [
                "work.placement",
                *transition_logs(of="work.placement"),
                "work.placementcheckin",
            ],
        },
        {
            "data": _(
                "Volunteer applicants, volunteers and staff: name, contact details, languages, "
                "area; when and with which coordinator a volunteer had the introduction meeting; "
                "their accounts and two-factor devices"
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
            "data": format_lazy(
                "{}. {} {} {}",
                _(
                    "Who did what: the volunteer or member of staff who took each step of a workflow, "
                    "reviewed an application, started a campaign, held a host in the call queue, "
                    "recorded a vacancy, handled a data request, or asked for or downloaded a report; "
                    "changes made in the admin"
                ),
                _(
                    "During a stay: who made a check-in, raised or first answered a concern, led or "
                    "booked a mediation, made or stopped a household's link, or recorded the "
                    "household's answer."
                ),
                _(
                    "On the road to work: who added an employer, recorded its staff figures, "
                    "offered a placement, recorded a person's consent, supervises a placement or "
                    "wrote a check-in."
                ),
                _(
                    'Reaching residents: who made a tagged link or published a "volunteers '
                    'wanted" notice.'
                ),
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
                "stays.checkin",
                "stays.concern",
                "stays.mediation",
                "newcomers.householdlink",
                "matching.match",
                "work.employer",
                "work.stafffigures",
                "work.placement",
                "work.placementcheckin",
                "outreach.source",
                "outreach.volunteerswanted",
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
            "data": _(
                "Reports of accessibility problems: what the problem is, on which page, the "
                "municipality it concerns, and, only if the person wants an answer, their name, "
                "e-mail address or phone number"
            ),
            "purpose": _(
                "To fix what keeps people from using the portal and to answer the person, as the "
                "law on accessibility of digital public services (2018:1937) requires."
            ),
            "basis": _(
                "A legal obligation: the law on accessibility of digital public services (art. "
                "6.1 c). Giving a name or a way to reach the person is voluntary."
            ),
            "who": _(
                "The coordinators it was sent to (those working in the municipality, otherwise "
                "the national coordinators) and the data protection officer, read-only; every "
                "opening is logged."
            ),
            "kept": _("Deleted %(days)d days after the report came in.")
            % {"days": days["accessibility_reports"]},
            "models": ["accessibility.accessibilityreport"],
        },
        {
            "data": _(
                "Sign-ups to information meetings: name, e-mail address, language, consent, "
                "whether the address was confirmed, the reminder, whether the person came"
            ),
            "purpose": _(
                "To keep a place at the meeting for the person, send the confirmation, the "
                "calendar file, the reminder and any change, and count who came."
            ),
            "basis": _(
                "Consent (GDPR art. 6.1 a), given in the sign-up form with the notice's version."
            ),
            "who": _(
                "The coordinators who organise the meeting (its local group or partner) and the "
                "data protection officer, read-only."
            ),
            "kept": _(
                "The name and the e-mail address are erased %(days)d days after the meeting, or "
                "at once on the person's request; the anonymous row stays for the counts."
            )
            % {"days": days["meeting_signups"]},
            "models": ["outreach.meetingsignup", "outreach.signuptransition"],
        },
        {
            "data": _(
                "Information meetings: who planned them, and the history of their steps (who "
                "changed, cancelled or recorded them)"
            ),
            "purpose": _("To organise the meetings and follow up the outreach."),
            "basis": _("Legitimate interest in running the programme (art. 6.1 f)."),
            "who": _("The organisers, the national coordinators and the data protection officer."),
            "kept": _("Kept with the meeting, for the reports."),
            "models": ["outreach.informationmeeting", "outreach.meetingtransition"],
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
