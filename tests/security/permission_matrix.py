"""Who may open which page: the one declared permission matrix of the portal.

For every named URL pattern (and the admin's unnamed ones), for every role of
``accounts.roles.ROLE_LABELS`` plus "anonymous" (nobody logged in), "host" (a host's
self-service session, no account) and "household" (a newcomer household that opened its own
link, no account), and for GET and POST, the expected outcome:

- ``ok``: the page answers (200, or 400 for a form with errors, 409 for a workflow step the
  portal refuses with a message, or a redirect to another page that is not a log-in page);
- ``login``: a redirect to the log-in page (the admin's, the staff's, or for self-service pages
  the host's "send me my link" page);
- ``forbidden``: 403;
- ``not_found``: 404 (also the admin's "does not exist" redirect to its index): another
  partner's or company's objects do not exist for a person;
- ``not_allowed``: 405 (a POST-only button opened with GET).

``tests/security/test_permission_matrix.py`` requests every pattern as every role, with the ids
of real objects (and, for objects scoped to a partner, again with another partner's objects:
the "foreign" variant), and fails on any difference and on any pattern not declared here: a new
page is refused by this test until someone decides who may open it.

The admin's model pages are declared per model (``ADMIN_MODELS``) rather than per URL: the
changelist, add, change, delete and history pages of a model follow from the permissions a role
has on the model, and from whether the model's admin is scoped to the person's organisation.
"""

from accounts import roles

VOLUNTEER = roles.VOLUNTEER
VOLUNTEER_COORDINATOR = roles.VOLUNTEER_COORDINATOR
# Held together with the volunteer coordinator's role: everywhere the matrix names the volunteer
# coordinator, the national coordinator answers the same (``_with_national_coordinator``), unless
# a page declares otherwise; the national coordinator reaches every group of the organisation.
NATIONAL_COORDINATOR = roles.NATIONAL_COORDINATOR
PARTNER_COORDINATOR = roles.PARTNER_COORDINATOR
MANAGER = roles.MANAGER
HOUSING_COMPANY_STAFF = roles.HOUSING_COMPANY_STAFF
# A supervisor at an employer (the world's is one of the housing company's people).
PLACEMENT_SUPERVISOR = roles.PLACEMENT_SUPERVISOR
DATA_PROTECTION_OFFICER = roles.DATA_PROTECTION_OFFICER
ANONYMOUS = "anonymous"
HOST = "host"
# A household that opened its own link (newcomers.links): it reaches its own case's pages only.
HOUSEHOLD = "household"

ROLES = [*roles.ROLE_LABELS, ANONYMOUS, HOST, HOUSEHOLD]
METHODS = ("GET", "POST")
# The roles that work in the admin (is_staff); the volunteer does not.
STAFF_ROLES = [
    VOLUNTEER_COORDINATOR,
    NATIONAL_COORDINATOR,
    PARTNER_COORDINATOR,
    MANAGER,
    HOUSING_COMPANY_STAFF,
    PLACEMENT_SUPERVISOR,
    DATA_PROTECTION_OFFICER,
]

OK = "ok"
LOGIN = "login"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
NOT_ALLOWED = "not_allowed"
OUTCOMES = {OK, LOGIN, FORBIDDEN, NOT_FOUND, NOT_ALLOWED}

# A rule: role -> (outcome of GET, outcome of POST).


def everyone(get=OK, post=OK):
    """A public page: the same for everybody."""
    return dict.fromkeys(ROLES, (get, post))


def logged_in(get=OK, post=OK):
    """Anyone with an account; the others are sent to log in."""
    rule = dict.fromkeys(roles.ROLE_LABELS, (get, post))
    return {**rule, ANONYMOUS: (LOGIN, LOGIN), HOST: (LOGIN, LOGIN), HOUSEHOLD: (LOGIN, LOGIN)}


def only(*allowed, get=OK, post=OK):
    """A page of the web app for the roles ``allowed``: others with an account get 403, people
    without one are sent to log in."""
    rule = {role: ((get, post) if role in allowed else (FORBIDDEN, FORBIDDEN)) for role in ROLES}
    return {**rule, ANONYMOUS: (LOGIN, LOGIN), HOST: (LOGIN, LOGIN), HOUSEHOLD: (LOGIN, LOGIN)}


def holder_only():
    """A button on the call page: only the volunteer who holds the host (the matrix's volunteer
    holds the world's queue entry); for anyone else the entry does not exist (404)."""
    return {**post_only(only(*VOLUNTEERS)), VOLUNTEER_COORDINATOR: (NOT_ALLOWED, NOT_FOUND)}


def host_only(get=OK, post=OK):
    """A self-service page: only the host who opened their link; others are sent to ask for it."""
    return {**dict.fromkeys(ROLES, (LOGIN, LOGIN)), HOST: (get, post)}


def household_only(get=OK, post=OK):
    """A page of the household's own: only the household that opened its link in this browser
    (the page is its case's, and takes no id); for anyone else, staff and hosts included, it does
    not exist (404, a friendly page saying to open the link again)."""
    return {**dict.fromkeys(ROLES, (NOT_FOUND, NOT_FOUND)), HOUSEHOLD: (get, post)}


def post_only(rule):
    """A button: GET answers 405 to those who may press it."""
    return {
        role: ((NOT_ALLOWED, post) if get == OK else (get, post))
        for role, (get, post) in rule.items()
    }


def admin_page(*allowed, get=OK, post=OK, hidden=()):
    """An admin page that is not a model's list or form: people who do not work in the admin are
    sent to its log-in page; ``hidden`` roles get 404, other staff 403."""
    rule = dict.fromkeys(ROLES, (LOGIN, LOGIN))
    for role in STAFF_ROLES:
        if role in allowed:
            rule[role] = (get, post)
        elif role in hidden:
            rule[role] = (NOT_FOUND, NOT_FOUND)
        else:
            rule[role] = (FORBIDDEN, FORBIDDEN)
    return rule


VOLUNTEERS = (VOLUNTEER, VOLUNTEER_COORDINATOR)
FOLLOWERS = (MANAGER, PARTNER_COORDINATOR, VOLUNTEER_COORDINATOR, DATA_PROTECTION_OFFICER)

# Named URL patterns outside the admin's model pages -> rule. ``FOREIGN`` below says who does not
# find another partner's object.
PAGES = {
    # Language switch, log-in, password reset: public.
    "set_language": everyone(),
    # The household pages' language switch (a button): public, like the site's.
    "household_language": everyone(get=NOT_ALLOWED),
    "login": everyone(),
    "logout": everyone(get=NOT_ALLOWED, post=LOGIN),
    "password_change": logged_in(),
    "password_change_done": logged_in(post=NOT_ALLOWED),
    "password_reset": everyone(),
    "password_reset_done": everyone(post=NOT_ALLOWED),
    "password_reset_confirm": everyone(),
    "password_reset_complete": everyone(post=NOT_ALLOWED),
    "two_factor": logged_in(),
    "home": logged_in(),
    # The hosts' public pages and their self-service (the self-service "log-in" is the link).
    "hosts:landing": everyone(),
    "hosts:privacy": everyone(),
    "hosts:register": everyone(),
    "hosts:check": everyone(),
    "hosts:sent": everyone(),
    "hosts:confirm": everyone(),
    "hosts:request_link": everyone(),
    "hosts:open_link": everyone(),
    "hosts:my_offer": host_only(),
    "hosts:change_offer": host_only(),
    "hosts:pause": host_only(),
    "hosts:resume": host_only(),
    "hosts:reopen": host_only(),
    "hosts:withdraw": host_only(),
    # "Something is wrong": the host of a stay (without one, the page leads back to the offer).
    "hosts:raise_concern": host_only(),
    "hosts:download_data": host_only(),
    "hosts:erase": host_only(),
    "hosts:leave": everyone(get=NOT_ALLOWED),
    # The language button of a host's own pages (also keeps the choice on the host).
    "hosts:language": everyone(get=NOT_ALLOWED),
    # --- issue 16, helper "household": the household's own pages (newcomers/household_views.py)
    # The link itself opens the pages for whoever holds it (the world's link works: a redirect).
    "household:open": everyone(),
    "household:start": household_only(post=NOT_ALLOWED),
    # The world's case has a proposed match: an empty answer is refused (400); raising a concern
    # before the stay is refused (409).
    "household:proposal": household_only(),
    "household:concern": household_only(),
    "household:concern_sent": household_only(post=NOT_ALLOWED),
    "household:leave": everyone(get=NOT_ALLOWED),
    # The coordinator's side: the letter with the link (it shows a working link: the partner's
    # coordinators only, not the officer nor the managers) and "Stop this link".
    "admin:newcomers_newcomercase_household_letter": admin_page(
        PARTNER_COORDINATOR, hidden=(VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF)
    ),
    # (a button: a GET is 405 for everyone in the admin, before the case is looked up)
    "admin:newcomers_newcomercase_household_link_stop": {
        role: ((NOT_ALLOWED, post) if role in STAFF_ROLES else (get, post))
        for role, (get, post) in admin_page(
            PARTNER_COORDINATOR, hidden=(VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF)
        ).items()
    },
    # --- end of helper "household"'s block ---
    # Volunteers: the public sign-up, the volunteer's day, the coordinators' pages.
    "volunteers:join": everyone(),
    "volunteers:joined": everyone(),
    "volunteers:start": only(*VOLUNTEERS),
    "volunteers:queue": only(*VOLUNTEERS),
    "volunteers:claim_next": post_only(only(*VOLUNTEERS)),
    "volunteers:record_outcome": holder_only(),
    "volunteers:hand_back": holder_only(),
    # The world's home is matched and its check-in is due: the volunteer reaches it.
    "volunteers:add_note": post_only(only(*VOLUNTEERS)),
    "volunteers:book_visit": only(*VOLUNTEERS),
    "volunteers:duplicates": only(VOLUNTEER_COORDINATOR),
    "volunteers:visit": only(*VOLUNTEERS),
    "volunteers:move_visit": post_only(only(*VOLUNTEERS)),
    "volunteers:cancel_visit": post_only(only(*VOLUNTEERS)),
    # A check-in due to the volunteers of the home's group (the world's is due today); the old
    # address of a follow-up's "Done" button leads to it.
    "volunteers:check_in": only(*VOLUNTEERS),
    "volunteers:complete_follow_up": post_only(only(*VOLUNTEERS)),
    "volunteers:applications": only(VOLUNTEER_COORDINATOR),
    "volunteers:approve_application": post_only(only(VOLUNTEER_COORDINATOR)),
    # The world's application is still waiting (no account yet): a coordinator finds no
    # volunteer to have met (tests/volunteers covers the approved volunteer and the reach).
    "volunteers:record_introduction": post_only(
        only(VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR, post=NOT_FOUND)
    ),
    "volunteers:privacy": everyone(),
    "volunteers:decline_application": post_only(only(VOLUNTEER_COORDINATOR)),
    "volunteers:campaigns": only(VOLUNTEER_COORDINATOR),
    "volunteers:campaign": only(VOLUNTEER_COORDINATOR),
    "volunteers:referrals": only(VOLUNTEER_COORDINATOR),
    # Handing a host to another group: the coordinators of the host's group (the world's home is
    # the coordinator's group's), a national coordinator of its organisation.
    "volunteers:hand_over": only(VOLUNTEER_COORDINATOR),
    # The hosts no group covers: the national coordinators of an organisation that takes them
    # (the world's organisation does); for anyone else the page does not exist.
    "volunteers:uncovered": {
        **logged_in(get=NOT_FOUND, post=NOT_ALLOWED),
        NATIONAL_COORDINATOR: (OK, NOT_ALLOWED),
    },
    # Reports: the coordinators and managers of the partnership's parties follow it; only
    # managers request and download reports.
    "reports:partnerships": only(*FOLLOWERS),
    "reports:partnership": only(*FOLLOWERS),
    "reports:runs": only(*FOLLOWERS),
    "reports:request": post_only(only(MANAGER)),
    "reports:download_pdf": only(MANAGER),
    "reports:download_xlsx": only(MANAGER),
    # The data protection officer's pages.
    "privacy:record": only(DATA_PROTECTION_OFFICER),
    "privacy:data_request": only(DATA_PROTECTION_OFFICER),
    # The admin's own pages (not a model's).
    "admin:index": admin_page(*STAFF_ROLES),
    "admin:login": everyone(),
    # Log-out is a POST; people not logged in to the admin are sent to its index (and so to log in).
    "admin:logout": {
        **everyone(),
        **dict.fromkeys(STAFF_ROLES, (NOT_ALLOWED, LOGIN)),
    },
    "admin:password_change": admin_page(*STAFF_ROLES),
    "admin:password_change_done": admin_page(*STAFF_ROLES, post=NOT_ALLOWED),
    "admin:jsi18n": admin_page(*STAFF_ROLES, post=NOT_ALLOWED),
    # Setting another person's password, a TOTP device's key: nobody's job in the portal.
    "admin:auth_user_password_change": admin_page(),
    "admin:otp_totp_totpdevice_config": admin_page(),
    "admin:otp_totp_totpdevice_qrcode": admin_page(),
    # Without the parameters of a real autocomplete field the search is refused.
    "admin:autocomplete": admin_page(*STAFF_ROLES, get=FORBIDDEN, post=NOT_ALLOWED),
    # No model of the portal has a public page to show.
    "admin:view_on_site": admin_page(hidden=STAFF_ROLES),
    # Any other address under /admin/.
    "admin:catch_all": admin_page(hidden=STAFF_ROLES),
    # The plan for all open cases of the person's own partner.
    "admin:newcomers_newcomercase_plan": admin_page(
        PARTNER_COORDINATOR,
        MANAGER,
        DATA_PROTECTION_OFFICER,
        hidden=(VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF),
    ),
    # Proposing a suggested home: the partner's coordinators only.
    "admin:newcomers_newcomercase_propose": admin_page(
        PARTNER_COORDINATOR, hidden=(VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF)
    ),
    # Declining an offered flat, recording a tenant's registration with the Public Employment
    # Service: whoever sees the vacancy or contract opens the form; the service lets only the
    # integration unit's coordinators decline, and only the company's staff and the partner's
    # coordinators record the registration (the others get the refusal, 409, and no button).
    "admin:housing_vacancy_decline": admin_page(
        PARTNER_COORDINATOR,
        MANAGER,
        HOUSING_COMPANY_STAFF,
        DATA_PROTECTION_OFFICER,
        hidden=(VOLUNTEER_COORDINATOR,),
    ),
    "admin:housing_contract_registered": admin_page(
        PARTNER_COORDINATOR,
        MANAGER,
        HOUSING_COMPANY_STAFF,
        DATA_PROTECTION_OFFICER,
        hidden=(VOLUNTEER_COORDINATOR,),
    ),
    # --- issue 15, helper "report": the national roll-up (reports/views.py national*) ---
    # For the managers of a volunteer organisation; the world's manager is a partner's, so
    # every role is refused (403), the manager too. tests/reports/test_rollup.py opens it as a
    # volunteer organisation's manager and asks for another organisation's runs (404).
    "reports:national": only(),
    "reports:national_runs": only(),
    # (a button: the manager's GET is 405 before the organisation is looked at)
    "reports:national_request": {**post_only(only()), MANAGER: (NOT_ALLOWED, FORBIDDEN)},
    # --- end of helper "report"'s block ---
    # --- issue 16, helper "evaluations": each side's own survey (stays/views.py) ---
    # The host's survey: the world's host has no stay, so no survey (404); anyone else is sent
    # to ask for their link (tests/stays/test_evaluations.py answers one). The household's: the
    # world's household has its first-month survey open; for anyone else it does not exist.
    "stays:host_evaluation": host_only(get=NOT_FOUND, post=NOT_FOUND),
    "stays:household_evaluation": household_only(),
    # --- end of helper "evaluations"'s block ---
    # --- issue 18, helper B: the accessibility statement and the form to report a problem ---
    "accessibility:statement": everyone(post=NOT_ALLOWED),
    "accessibility:report": everyone(),
    "accessibility:report_sent": everyone(post=NOT_ALLOWED),
    # --- end of helper B's block ---
    # --- issue 20, helper "link": tagged links and "volunteers wanted" (outreach/link_views.py) ---
    # The short address is everyone's (a GET that redirects to a sign-up, never an error).
    "outreach_links:follow": everyone(post=NOT_ALLOWED),
    # The volunteer coordinators' pages of their group's links and notice.
    "outreach_links:links": only(VOLUNTEER_COORDINATOR),
    "outreach_links:retire": post_only(only(VOLUNTEER_COORDINATOR)),
    "outreach_links:volunteers_wanted": only(VOLUNTEER_COORDINATOR),
    "outreach_links:take_down": post_only(only(VOLUNTEER_COORDINATOR)),
    # A link's print page and QR files: its group's coordinators, and a partner's coordinators
    # for their partner's links (opened from the admin); the world's link is the local group's,
    # which the partner's coordinator does not find.
    **{
        name: {
            **only(VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, post=NOT_ALLOWED),
            PARTNER_COORDINATOR: (NOT_FOUND, NOT_ALLOWED),
        }
        for name in ("outreach_links:link", "outreach_links:qr_svg", "outreach_links:qr_png")
    },
    # --- end of helper "link"'s block ---
    # --- issue 20, helper "meet": information meetings (outreach/views.py, staff_views.py) ---
    # Public: the municipality picker and page, a meeting (its sign-up form: an empty POST is
    # refused with a message, 400), "check your e-mail"; the links in a person's e-mails open
    # for whoever holds them (the world's sign-up is confirmed: its page cancels it).
    "outreach:pick": everyone(),
    "outreach:municipality": everyone(post=NOT_ALLOWED),
    "outreach:meeting": everyone(),
    "outreach:sent": everyone(post=NOT_ALLOWED),
    "outreach:confirm": everyone(),
    "outreach:my_signup": everyone(),
    "outreach:calendar": everyone(post=NOT_ALLOWED),
    # The organisers' pages in the web app: the volunteer coordinators of the meeting's group
    # (the world's meeting is the coordinator's group's; it has not started, so recording who
    # came is refused with a message, 409, and the empty forms with theirs, 400).
    "outreach:staff_meetings": only(VOLUNTEER_COORDINATOR, post=NOT_ALLOWED),
    "outreach:staff_plan": only(VOLUNTEER_COORDINATOR),
    "outreach:staff_meeting": only(VOLUNTEER_COORDINATOR, post=NOT_ALLOWED),
    "outreach:staff_change": only(VOLUNTEER_COORDINATOR),
    "outreach:staff_cancel": post_only(only(VOLUNTEER_COORDINATOR)),
    "outreach:staff_attendance": post_only(only(VOLUNTEER_COORDINATOR)),
    # --- end of helper "meet"'s block ---
}

# The workflow steps in the admin: whoever may view the object opens the step's page; sending
# it calls the step's action, which refuses (403) the roles that may not take the step. Declared
# by model below.
ADMIN_STEP_PAGES = {
    "admin:hosts_home_step": "hosts.home",
    "admin:newcomers_newcomercase_step": "newcomers.newcomercase",
    "admin:matching_match_step": "matching.match",
    "admin:stays_concern_step": "stays.concern",
    "admin:stays_mediation_step": "stays.mediation",
    "admin:stays_checkin_step": "stays.checkin",
    "admin:work_placement_step": "work.placement",
    "admin:outreach_informationmeeting_step": "outreach.informationmeeting",
}
# Who may take the step each model's step page is tried with (``route_values`` in
# test_permission_matrix.py): withdrawing a home and approving a match need no input, so the
# action answers everyone who sends them. Closing a case needs a reason: the empty form is
# refused (400) before the action is asked, whoever sends it (None).
ADMIN_STEP_TAKERS = {
    "hosts.home": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR},
    "matching.match": {PARTNER_COORDINATOR},
    "newcomers.newcomercase": None,
    # Acknowledging a concern: the partner's coordinators and the home's group's volunteer
    # coordinators. Cancelling a meeting needs a reason: the empty form is refused (400).
    "stays.concern": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR},
    "stays.mediation": None,
    # Recording a check-in needs its outcome: the empty form is refused first.
    "stays.checkin": None,
    # Completing a placement needs its date: the empty form is refused first.
    "work.placement": None,
    # Cancelling a meeting needs a reason: the empty form is refused first.
    "outreach.informationmeeting": None,
}

# --- issue 17, helper A: who takes which step of a placement (work/workflow.py, work/actions.py)
# The world's placement is offered by the housing company to the world's partner. The employer's
# side (the company's staff, its supervisors) offers, changes, declines, starts, completes and
# withdraws; the integration unit's side (the partner's coordinators) proposes and withdraws its
# proposal; either side records an early end or an employment. Everyone else who sees the
# placement (the partner's manager, the data protection officer) is refused (403); those who do
# not see it find nothing (404). test_permission_matrix.py sends each step with its input.
_EMPLOYER_SIDE = {HOUSING_COMPANY_STAFF, PLACEMENT_SUPERVISOR}
PLACEMENT_STEP_TAKERS = {
    "change_offer": _EMPLOYER_SIDE,
    "propose": {PARTNER_COORDINATOR},
    "withdraw_proposal": {PARTNER_COORDINATOR},
    "decline": _EMPLOYER_SIDE,
    "start": _EMPLOYER_SIDE,
    "complete": _EMPLOYER_SIDE,
    "end_early": {*_EMPLOYER_SIDE, PARTNER_COORDINATOR},
    "employ": {*_EMPLOYER_SIDE, PARTNER_COORDINATOR},
    "withdraw": _EMPLOYER_SIDE,
}
# --- end of helper A's block ---

# The admin's model pages. For each registered model: the permissions each role has in its admin
# ("v"iew, "a"dd, "c"hange, "d"elete; roles not named have none), and ``scoped``: the admin shows
# a person only their own organisation's objects, and answers 404 for others before it looks at
# permissions. ``hidden`` names the roles that do not see the test's own object; ``foreign`` those
# that do not see another partner's (or company's) object.
#
# From these: changelist (GET and POST) is ok with "v" or "c", else 403; add needs "a"; change
# needs "v" or "c" to GET and "c" to POST; delete needs "d"; history needs "v" or "c". A hidden
# object is 404 (for a scoped admin, even without permissions; otherwise the admin's "does not
# exist" redirect, also 404 here). People who do not work in the admin are sent to its log-in.
ADMIN_MODELS = {
    "auth.group": {"perms": {}},
    "accounts.organisation": {
        "perms": {MANAGER: "v", HOUSING_COMPANY_STAFF: "v", DATA_PROTECTION_OFFICER: "v"}
    },
    # The admin lists the people of the person's own organisation (all for the DPO).
    "accounts.user": {
        "perms": {VOLUNTEER_COORDINATOR: "v", DATA_PROTECTION_OFFICER: "v"},
        "hidden": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
    },
    # Local groups: superusers set them up; a national coordinator reads their organisation's
    # (the world's group); for everyone else a group does not exist.
    "accounts.localgroup": {
        "perms": {NATIONAL_COORDINATOR: "v"},
        "scoped": True,
        "hidden": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
            DATA_PROTECTION_OFFICER,
        },
        # Another organisation's group: nobody's but its own national coordinators'.
        "foreign": set(STAFF_ROLES),
        "own": {NATIONAL_COORDINATOR},  # not copied from the volunteer coordinator
    },
    # Sweden's municipalities: reference data every person of the admin reads.
    "municipalities.municipality": {
        "perms": dict.fromkeys(STAFF_ROLES, "v"),
    },
    "municipalities.county": {
        "perms": dict.fromkeys(STAFF_ROLES, "v"),
    },
    "django_celery_beat.periodictask": {"perms": {}},
    "django_celery_beat.intervalschedule": {"perms": {}},
    "django_celery_beat.crontabschedule": {"perms": {}},
    "django_celery_beat.solarschedule": {"perms": {}},
    "django_celery_beat.clockedschedule": {"perms": {}},
    "otp_totp.totpdevice": {"perms": {}},
    "axes.accessattempt": {"perms": {}},
    "axes.accesslog": {"perms": {}},
    "axes.accessfailurelog": {"perms": {}},
    "notifications.outboundemail": {"perms": {DATA_PROTECTION_OFFICER: "v"}},
    "hosts.host": {
        "perms": {
            VOLUNTEER_COORDINATOR: "vc",
            PARTNER_COORDINATOR: "v",
            MANAGER: "v",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": {HOUSING_COMPANY_STAFF},
        "foreign": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
    },
    "hosts.home": {
        "perms": {
            VOLUNTEER_COORDINATOR: "vc",
            PARTNER_COORDINATOR: "v",
            MANAGER: "v",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": {HOUSING_COMPANY_STAFF},
        "foreign": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
    },
    "hosts.erasurerecord": {"perms": {DATA_PROTECTION_OFFICER: "v"}},
    "newcomers.newcomercase": {
        "perms": {PARTNER_COORDINATOR: "vac", MANAGER: "v", DATA_PROTECTION_OFFICER: "v"},
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "matching.match": {
        "perms": {PARTNER_COORDINATOR: "va", MANAGER: "v", DATA_PROTECTION_OFFICER: "v"},
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "matching.matchreason": {
        "perms": {PARTNER_COORDINATOR: "ac", MANAGER: "v", DATA_PROTECTION_OFFICER: "v"},
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    # Localities are everyone's; a district belongs to its partner.
    "matching.place": {
        "perms": {PARTNER_COORDINATOR: "vacd"},
        "hidden": {VOLUNTEER_COORDINATOR, HOUSING_COMPANY_STAFF},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "matching.matchingweights": {"perms": {MANAGER: "vac"}},
    "housing.unit": {
        "perms": {HOUSING_COMPANY_STAFF: "vac", MANAGER: "v", DATA_PROTECTION_OFFICER: "v"},
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "housing.allotment": {
        "perms": {HOUSING_COMPANY_STAFF: "vac", MANAGER: "v", DATA_PROTECTION_OFFICER: "v"},
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER},
        # Another company's allotment: also the asylum housing a case's form may not choose.
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "housing.quotaagreement": {
        "perms": {HOUSING_COMPANY_STAFF: "v", MANAGER: "v", DATA_PROTECTION_OFFICER: "v"},
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER},
    },
    # The integration unit sees the flats offered to it.
    "housing.vacancy": {
        "perms": {
            HOUSING_COMPANY_STAFF: "va",
            PARTNER_COORDINATOR: "v",
            MANAGER: "v",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "housing.contract": {
        "perms": {
            HOUSING_COMPANY_STAFF: "v",
            PARTNER_COORDINATOR: "v",
            MANAGER: "v",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR},
    },
    # The data protection officer's records: read-only, for the officer only.
    "privacy.accesslog": {"perms": {DATA_PROTECTION_OFFICER: "v"}},
    "privacy.securityevent": {"perms": {DATA_PROTECTION_OFFICER: "v"}},
    "privacy.datarequest": {"perms": {DATA_PROTECTION_OFFICER: "v"}},
    "privacy.retentionrun": {"perms": {DATA_PROTECTION_OFFICER: "v"}},
    # The volunteers' records: read-only in the admin (they change through the web app).
    # Scoped by organisation: the people of a partner or a company find none of them (404).
    **{
        f"volunteers.{name}": {
            "perms": {VOLUNTEER_COORDINATOR: "v", DATA_PROTECTION_OFFICER: "v"},
            "scoped": True,
            "hidden": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
        }
        for name in (
            "volunteerapplication",
            "volunteerprofile",
            "callattempt",
            "queueentry",
            "campaign",
            "homevisit",
            "hostnote",
        )
    },
    # Check-ins: the volunteers' ones for the volunteer organisation, both sides' of the
    # partner's own cases for its coordinators (who record the partner's ones).
    "stays.checkin": {
        "perms": {
            VOLUNTEER_COORDINATOR: "v",
            PARTNER_COORDINATOR: "vc",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": {HOUSING_COMPANY_STAFF},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "reports.partnership": {
        "perms": {PARTNER_COORDINATOR: "vc", MANAGER: "vac", DATA_PROTECTION_OFFICER: "v"},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "reports.reportrun": {
        "perms": {PARTNER_COORDINATOR: "v", MANAGER: "v", DATA_PROTECTION_OFFICER: "v"},
        "foreign": {
            VOLUNTEER_COORDINATOR,
            PARTNER_COORDINATOR,
            MANAGER,
            HOUSING_COMPANY_STAFF,
        },
    },
    "reports.reportdownload": {"perms": {MANAGER: "v", DATA_PROTECTION_OFFICER: "v"}},
    # Concerns and their mediation meetings: the people working on the case (the partner's
    # coordinators; the volunteer coordinators of a private home's group, whose world home both
    # the own and the foreign stay are in); the partner's manager finds them but may not open them.
    **{
        f"stays.{name}": {
            "perms": {
                VOLUNTEER_COORDINATOR: "v",
                PARTNER_COORDINATOR: "vc",
                DATA_PROTECTION_OFFICER: "v",
            },
            "scoped": True,
            "hidden": {HOUSING_COMPANY_STAFF},
            "foreign": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
        }
        for name in ("concern", "mediation")
    },
    # Evaluations: read-only, scoped like concerns (the case's partner; the private home's local
    # group, whose volunteer coordinators follow the stay, and whose world home both the own and
    # the foreign stay are in); the free text only for those who work on the stay
    # (tests/stays/test_evaluations.py).
    "stays.evaluation": {
        "perms": {
            VOLUNTEER_COORDINATOR: "v",
            PARTNER_COORDINATOR: "v",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": {HOUSING_COMPANY_STAFF},
        "foreign": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
    },
    # --- issue 17, helper A: the road to work (work/admin.py) ---
    # Everything is made by an action (add pages) and changed by a step: no change or delete
    # page saves anything. The employer's own staff (the housing company's staff, its
    # supervisors) and the integration unit it takes newcomers from (the partner's coordinators
    # and managers) see the employer, its placements, check-ins and figures; the employer's
    # staff offer placements and record check-ins and figures; the partner's coordinators add
    # employers and propose newcomers (they open the employer's add pages only where the
    # municipality is itself an employer, which the world's partner is not). Another company's
    # employer and placements, taking another partner's newcomers, do not exist for them.
    **{
        f"work.{name}": {
            "perms": {
                PARTNER_COORDINATOR: "va" if name == "employer" else "v",
                HOUSING_COMPANY_STAFF: "va" if name != "employer" else "v",
                PLACEMENT_SUPERVISOR: "va" if name != "employer" else "v",
                MANAGER: "v",
                DATA_PROTECTION_OFFICER: "v",
            },
            "scoped": True,
            "hidden": {VOLUNTEER_COORDINATOR},
            "foreign": {
                VOLUNTEER_COORDINATOR,
                PARTNER_COORDINATOR,
                MANAGER,
                HOUSING_COMPANY_STAFF,
                PLACEMENT_SUPERVISOR,
            },
        }
        for name in ("employer", "stafffigures", "placement", "placementcheckin")
    },
    # --- end of helper A's block ---
    # --- issue 18, helper B: reports of accessibility problems, read-only by those they went to
    # (accessibility.routing) and the officer. The world holds none: the object page is tried
    # with an id no report has (404 for all); tests/accessibility/test_report.py opens real ones.
    "accessibility.accessibilityreport": {
        "perms": {
            VOLUNTEER_COORDINATOR: "v",
            PARTNER_COORDINATOR: "v",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": set(STAFF_ROLES),
    },
    # --- end of helper B's block ---
    # --- issue 20, helper "link": a partner's tagged links, made and retired through the
    # actions (outreach/admin.py), never changed or deleted; the officer reads them.
    "outreach.source": {
        "perms": {PARTNER_COORDINATOR: "va", DATA_PROTECTION_OFFICER: "v"},
        "scoped": True,
        "hidden": {VOLUNTEER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
        "foreign": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
    },
    # --- end of helper "link"'s block ---
    # --- issue 20, helper "meet": information meetings, made by ``plan_meeting`` (add page)
    # and changed only by their steps (no change or delete page saves anything). The organisers
    # who reach the meeting: the volunteer coordinators of its group (the world's), a national
    # coordinator of its organisation, the coordinators of the partner that organises it (the
    # world's meeting is not theirs); the officer reads. Another partner's meeting exists for
    # nobody but its own partner's coordinators.
    "outreach.informationmeeting": {
        "perms": {
            VOLUNTEER_COORDINATOR: "va",
            PARTNER_COORDINATOR: "va",
            DATA_PROTECTION_OFFICER: "v",
        },
        "scoped": True,
        "hidden": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
        "foreign": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
    },
    # --- end of helper "meet"'s block ---
}

# Pages (other than the admin's model pages) that take the id of an object scoped to a partner
# (or a partnership, a company): the roles that do not find another's object (404), where they
# would otherwise open the page or be refused it after it was looked up.
FOREIGN = {
    "reports:partnership": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER},
    "reports:runs": {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER},
    "reports:request": {MANAGER},
    "reports:download_pdf": {MANAGER},
    "reports:download_xlsx": {MANAGER},
    "admin:newcomers_newcomercase_propose": {PARTNER_COORDINATOR, MANAGER},
    "admin:newcomers_newcomercase_household_letter": {PARTNER_COORDINATOR, MANAGER},
    "admin:newcomers_newcomercase_household_link_stop": {PARTNER_COORDINATOR, MANAGER},
    "admin:housing_vacancy_decline": {PARTNER_COORDINATOR, MANAGER, HOUSING_COMPANY_STAFF},
    # Another partner's check-in is not the volunteers' to make.
    "volunteers:complete_follow_up": {VOLUNTEER, VOLUNTEER_COORDINATOR},
    "volunteers:check_in": {VOLUNTEER, VOLUNTEER_COORDINATOR},
    # Another partner's meeting is not a group's to run (the public pages show any meeting).
    **{
        f"outreach:{name}": {VOLUNTEER_COORDINATOR}
        for name in ("staff_meeting", "staff_change", "staff_cancel", "staff_attendance")
    },
}

# "This object, this person": every page of the web app that takes an object's id is also asked
# for objects that belong to someone else. ``tests/security/test_object_reach.py`` builds one object
# of each kind below for each id a page takes, requests the page with it (GET and POST) as every
# role, and expects 404 from the roles named (where they would open the page with their own
# object), nothing changed (statuses, histories, calls, notes, the access log), and the declared
# outcome from everyone else. ``test_every_object_page_is_declared`` walks the URL resolver: a new
# pattern that takes an object id fails until it is declared here (or, in the admin, in
# ``ADMIN_MODELS`` with its ``foreign`` roles, or in ``ADMIN_NOT_SCOPED`` with the reason).
ANOTHER_VOLUNTEER = "another_volunteer"  # a volunteer of the same organisation
ANOTHER_GROUP = "another_group"  # another local group of the same organisation
ANOTHER_VOLUNTEER_ORGANISATION = "another_volunteer_organisation"
ANOTHER_PARTNER = "another_partner"
ANOTHER_HOUSING_COMPANY = "another_housing_company"
OTHERS = (
    ANOTHER_VOLUNTEER,
    ANOTHER_GROUP,
    ANOTHER_VOLUNTEER_ORGANISATION,
    ANOTHER_PARTNER,
    ANOTHER_HOUSING_COMPANY,
)
FOLLOWING_ROLES = {VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR, MANAGER}

_VISIT = {
    # Another volunteer's visit: their colleagues' coordinator reaches it, the volunteer does not.
    ANOTHER_VOLUNTEER: {VOLUNTEER},
    # Another group's visit: the group's volunteers and coordinators do not find it; the national
    # coordinator of the organisation does.
    ANOTHER_GROUP: {VOLUNTEER, VOLUNTEER_COORDINATOR},
    ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER, VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
}
_HOME = {
    # A contacted home another volunteer agreed to visit; a home of another local group of the
    # organisation; a home only another organisation has worked on; a home referred to another
    # partner (matched there, followed up by the partner).
    ANOTHER_VOLUNTEER: {VOLUNTEER},
    ANOTHER_GROUP: {VOLUNTEER, VOLUNTEER_COORDINATOR},
    ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER, VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
    ANOTHER_PARTNER: {VOLUNTEER},
}
_PARTNERSHIP = {
    # A partnership of another volunteer organisation (with this partner), of another partner
    # (with this volunteer organisation), of another housing company (and other parties).
    ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
    ANOTHER_PARTNER: {PARTNER_COORDINATOR, MANAGER},
    ANOTHER_HOUSING_COMPANY: {*FOLLOWING_ROLES, NATIONAL_COORDINATOR},
}
_RUN = {
    ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
    ANOTHER_PARTNER: {MANAGER},
    ANOTHER_HOUSING_COMPANY: {MANAGER},
}

# pattern -> {the id it takes: {whose object: the roles that do not find it}}
OBJECT_REACH = {
    "volunteers:record_outcome": {
        "entry_id": {ANOTHER_VOLUNTEER: {VOLUNTEER, VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR}}
    },
    "volunteers:hand_back": {
        "entry_id": {ANOTHER_VOLUNTEER: {VOLUNTEER, VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR}}
    },
    "volunteers:add_note": {"home_id": _HOME},
    "volunteers:book_visit": {"home_id": _HOME},
    "volunteers:duplicates": {"home_id": _HOME},
    "volunteers:hand_over": {"home_id": _HOME},
    "volunteers:visit": {"visit_id": _VISIT},
    "volunteers:move_visit": {"visit_id": _VISIT},
    "volunteers:cancel_visit": {"visit_id": _VISIT},
    **{
        name: {
            id_name: {
                ANOTHER_GROUP: {VOLUNTEER, VOLUNTEER_COORDINATOR},
                ANOTHER_VOLUNTEER_ORGANISATION: {
                    VOLUNTEER,
                    VOLUNTEER_COORDINATOR,
                    NATIONAL_COORDINATOR,
                },
                ANOTHER_PARTNER: {VOLUNTEER, VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
            }
        }
        for name, id_name in [
            ("volunteers:check_in", "check_in_id"),
            ("volunteers:complete_follow_up", "follow_up_id"),
        ]
    },
    # An application another organisation's coordinator decided.
    "volunteers:approve_application": {
        "application_id": {
            ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR}
        }
    },
    "volunteers:record_introduction": {
        "application_id": {
            ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR}
        }
    },
    "volunteers:decline_application": {
        "application_id": {
            ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR}
        }
    },
    # A campaign of another local group of the organisation (its national coordinator reaches
    # it), a campaign of another organisation's group.
    "volunteers:campaign": {
        "campaign_id": {
            ANOTHER_GROUP: {VOLUNTEER_COORDINATOR},
            ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
        }
    },
    # Another local group's tagged link and notice (issue 20, helper "link").
    **{
        name: {
            "source_id": {
                ANOTHER_GROUP: {VOLUNTEER_COORDINATOR},
                ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
            }
        }
        for name in (
            "outreach_links:link",
            "outreach_links:qr_svg",
            "outreach_links:qr_png",
            "outreach_links:retire",
        )
    },
    "outreach_links:take_down": {
        "notice_id": {
            ANOTHER_GROUP: {VOLUNTEER_COORDINATOR},
            ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
        }
    },
    "reports:partnership": {"partnership_id": _PARTNERSHIP},
    "reports:runs": {"partnership_id": _PARTNERSHIP},
    "reports:request": {"partnership_id": _PARTNERSHIP},
    "reports:download_pdf": {"run_id": _RUN},
    "reports:download_xlsx": {"run_id": _RUN},
    # A meeting is public: its page and "check your e-mail" open whoever organises it.
    "outreach:meeting": {"meeting_id": {ANOTHER_GROUP: set(), ANOTHER_PARTNER: set()}},
    "outreach:sent": {"meeting_id": {ANOTHER_GROUP: set(), ANOTHER_PARTNER: set()}},
    # The organisers' pages: another group's meeting (its national coordinator reaches it),
    # another organisation's, a partner's.
    **{
        f"outreach:{name}": {
            "meeting_id": {
                ANOTHER_GROUP: {VOLUNTEER_COORDINATOR},
                ANOTHER_VOLUNTEER_ORGANISATION: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
                ANOTHER_PARTNER: {VOLUNTEER_COORDINATOR, NATIONAL_COORDINATOR},
            }
        }
        for name in ("staff_meeting", "staff_change", "staff_cancel", "staff_attendance")
    },
}

# Route parameters that name no object of a person or an organisation (``code``: a tagged link's
# short code, which anyone who saw the poster holds; ``municipality_code``: a municipality's
# official code, public reference data).
NOT_AN_OBJECT = {
    "token",
    "uidb64",
    "step",
    "app_label",
    "url",
    "file_kind",
    "code",
    "municipality_code",
}

# Admin pages whose objects belong to no volunteer, organisation, partner or company (or are not
# scoped by organisation in the admin yet): the reason for each. Any other admin model with object
# pages must be declared in ``ADMIN_MODELS`` with its ``foreign`` roles.
ADMIN_NOT_SCOPED = {
    "auth.group": "the roles: nobody's to change in the admin",
    "accounts.organisation": "the parties of the programme, read by managers",
    "accounts.user": "the accounts: read by the volunteer coordinators and the officer",
    "municipalities.municipality": "reference data: everyone's",
    "municipalities.county": "reference data: everyone's",
    "django_celery_beat.periodictask": "the portal's schedule: nobody's in the admin",
    "django_celery_beat.intervalschedule": "the portal's schedule: nobody's in the admin",
    "django_celery_beat.crontabschedule": "the portal's schedule: nobody's in the admin",
    "django_celery_beat.solarschedule": "the portal's schedule: nobody's in the admin",
    "django_celery_beat.clockedschedule": "the portal's schedule: nobody's in the admin",
    "otp_totp.totpdevice": "authenticators: nobody's in the admin",
    "axes.accessattempt": "log-in attempts: nobody's in the admin",
    "axes.accesslog": "log-ins: nobody's in the admin",
    "axes.accessfailurelog": "log-in failures: nobody's in the admin",
    "notifications.outboundemail": "the outbox: the officer's only",
    "hosts.erasurerecord": "erasures: the officer's only",
    "matching.matchingweights": "the managers' weights",
    "housing.quotaagreement": "scoped to the company (hidden from others), one company in the world",
    "housing.contract": "scoped to the company and partner (hidden from others)",
    "privacy.accesslog": "the officer's only",
    "privacy.securityevent": "the officer's only",
    "privacy.datarequest": "the officer's only",
    "privacy.retentionrun": "the officer's only",
    "reports.reportdownload": "managers' and the officer's, read-only",
    "accessibility.accessibilityreport": "by municipality: tests/accessibility/test_report.py",
    # Read-only for the volunteer coordinators in the admin, scoped by organisation as the web
    # app's pages are (volunteers/admin.py); the world has none of another volunteer
    # organisation's of these, so tests/volunteers/test_admin_scope.py asks for them instead.
    "volunteers.volunteerapplication": "by organisation: tests/volunteers/test_admin_scope.py",
    "volunteers.volunteerprofile": "by organisation: tests/volunteers/test_admin_scope.py",
    "volunteers.callattempt": "by organisation: tests/volunteers/test_admin_scope.py",
    "volunteers.queueentry": "by organisation: tests/volunteers/test_admin_scope.py",
    "volunteers.campaign": "by organisation: tests/volunteers/test_admin_scope.py",
    "volunteers.homevisit": "by organisation: tests/volunteers/test_admin_scope.py",
    "volunteers.hostnote": "by organisation: tests/volunteers/test_admin_scope.py",
}


# Pages whose rule declares the national coordinator itself.
PAGES_OF_THEIR_OWN = {"volunteers:uncovered"}


def _with_national_coordinator() -> None:
    """The national coordinator holds the volunteer coordinator's role too: every page rule,
    admin model and foreign set that names the volunteer coordinator names the national
    coordinator alike, unless the rule declares the national coordinator itself."""
    for key, rule in PAGES.items():
        if key not in PAGES_OF_THEIR_OWN:
            rule[NATIONAL_COORDINATOR] = rule[VOLUNTEER_COORDINATOR]
    for spec in ADMIN_MODELS.values():
        if NATIONAL_COORDINATOR in spec.get("own", ()):
            continue
        if VOLUNTEER_COORDINATOR in spec["perms"]:
            spec["perms"].setdefault(NATIONAL_COORDINATOR, spec["perms"][VOLUNTEER_COORDINATOR])
        for key in ("hidden", "foreign"):
            if VOLUNTEER_COORDINATOR in spec.get(key, ()):
                spec[key] = {*spec[key], NATIONAL_COORDINATOR}
    for key, hidden in FOREIGN.items():
        if VOLUNTEER_COORDINATOR in hidden:
            FOREIGN[key] = {*hidden, NATIONAL_COORDINATOR}
    for model, takers in ADMIN_STEP_TAKERS.items():
        if takers is not None and VOLUNTEER_COORDINATOR in takers:
            ADMIN_STEP_TAKERS[model] = {*takers, NATIONAL_COORDINATOR}


_with_national_coordinator()


def _with_placement_supervisor() -> None:
    """The world's placement supervisor is one of the housing company's people with the road to
    work's permissions only: wherever the company's staff do not find an object (404), neither
    does the supervisor, where it would otherwise be refused (403)."""
    for rule in PAGES.values():
        rule[PLACEMENT_SUPERVISOR] = tuple(
            NOT_FOUND if (own, company) == (FORBIDDEN, NOT_FOUND) else own
            for own, company in zip(
                rule[PLACEMENT_SUPERVISOR], rule[HOUSING_COMPANY_STAFF], strict=True
            )
        )
    for spec in ADMIN_MODELS.values():
        for key in ("hidden", "foreign"):
            if HOUSING_COMPANY_STAFF in spec.get(key, ()):
                spec[key] = {*spec[key], PLACEMENT_SUPERVISOR}
    for key, hidden in FOREIGN.items():
        if HOUSING_COMPANY_STAFF in hidden:
            FOREIGN[key] = {*hidden, PLACEMENT_SUPERVISOR}


_with_placement_supervisor()

ADMIN_ACTIONS = ("changelist", "add", "change", "delete", "history")


def _admin_model_outcome(model: str, action: str, role: str, method: str, variant: str) -> str:
    spec = ADMIN_MODELS[model]
    if role not in STAFF_ROLES:
        return LOGIN
    perms = spec["perms"].get(role, "")
    may_view = "v" in perms or "c" in perms
    hidden = role in spec.get("foreign" if variant == "foreign" else "hidden", set())
    scoped = spec.get("scoped", False)
    if action == "redirect":  # an old address of the change page
        return OK
    if action == "changelist":
        return OK if may_view else FORBIDDEN
    if action == "add":
        return OK if "a" in perms else FORBIDDEN
    if action == "step":
        if hidden:
            return NOT_FOUND
        if not may_view:
            return FORBIDDEN
        takers = ADMIN_STEP_TAKERS[model]
        if method == "POST" and takers is not None and role not in takers:
            return FORBIDDEN
        return OK
    if hidden and (scoped or action == "history"):
        return NOT_FOUND
    if action == "change":
        allowed = may_view if method == "GET" else "c" in perms
    elif action == "delete":
        allowed = "d" in perms
    else:  # history
        allowed = may_view
    if not allowed:
        return FORBIDDEN
    return NOT_FOUND if hidden else OK


def expected(key: str, role: str, method: str, variant: str = "own") -> str:
    """The declared outcome; ``KeyError`` when the pattern is not declared."""
    if key.startswith("admin-model:"):
        # "admin-model:<app_label>.<model_name>:<action>"
        _prefix, model, action = key.split(":")
        return _admin_model_outcome(model, action, role, method, variant)
    if key.startswith("admin-app:"):
        app_label = key.split(":")[1]
        if role not in STAFF_ROLES:
            return LOGIN
        may_view_app = any(
            spec["perms"].get(role)
            for model, spec in ADMIN_MODELS.items()
            if model.split(".")[0] == app_label
        )
        return OK if may_view_app else NOT_FOUND
    if key in ADMIN_STEP_PAGES:
        return _admin_model_outcome(ADMIN_STEP_PAGES[key], "step", role, method, variant)
    get, post = PAGES[key][role]
    outcome = get if method == "GET" else post
    if variant == "foreign" and outcome in (OK, FORBIDDEN) and role in FOREIGN.get(key, ()):
        return NOT_FOUND
    return outcome
