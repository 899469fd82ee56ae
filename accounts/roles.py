"""The roles of the portal, as Django groups with permissions.

The groups are made (and kept in step) by migrations that call ``sync_role_groups``: never by hand.
A permission named here that does not exist yet (its model comes in a later migration) is skipped;
the migration that adds the model calls ``sync_role_groups`` again.
"""

from django.utils.translation import gettext_lazy as _

VOLUNTEER = "volunteer"
VOLUNTEER_COORDINATOR = "volunteer_coordinator"
# A volunteer coordinator of the whole organisation: every local group's work, and the hosts no
# group covers (when the organisation takes them). Held together with VOLUNTEER_COORDINATOR.
NATIONAL_COORDINATOR = "national_coordinator"
PARTNER_COORDINATOR = "partner_coordinator"
MANAGER = "manager"
HOUSING_COMPANY_STAFF = "housing_company_staff"
# A supervisor at an employer that offers placements (the housing company's supervisors hold it
# together with HOUSING_COMPANY_STAFF).
PLACEMENT_SUPERVISOR = "placement_supervisor"
DATA_PROTECTION_OFFICER = "data_protection_officer"

ROLE_LABELS = {
    VOLUNTEER: _("Volunteer"),
    VOLUNTEER_COORDINATOR: _("Volunteer coordinator"),
    NATIONAL_COORDINATOR: _("National coordinator"),
    PARTNER_COORDINATOR: _("Partner coordinator"),
    MANAGER: _("Manager"),
    HOUSING_COMPANY_STAFF: _("Housing company staff"),
    PLACEMENT_SUPERVISOR: _("Placement supervisor"),
    DATA_PROTECTION_OFFICER: _("Data protection officer"),
}

# role -> permissions as "app_label.codename"
HOME_HISTORY = ["hosts.view_host", "hosts.view_home", "hosts.view_hometransition"]
CASES_READ = ["newcomers.view_newcomercase", "newcomers.view_casetransition"]
MATCHES_READ = ["matching.view_match", "matching.view_matchtransition", "matching.view_matchreason"]

# The stay: check-ins, concerns, mediation meetings, evaluations (``stays``).
STAYS_READ = [
    "stays.view_checkin",
    "stays.view_checkintransition",
    "stays.view_concern",
    "stays.view_concerntransition",
    "stays.view_mediation",
    "stays.view_mediationtransition",
    "stays.view_evaluation",
    "stays.view_evaluationtransition",
    "stays.view_evaluationanswer",
]

VOLUNTEER_WORK = [
    # The volunteers' check-ins during a stay (of their own groups' private homes).
    "stays.view_checkin",
    "stays.view_checkintransition",
    "volunteers.view_volunteerapplication",
    "volunteers.view_volunteerprofile",
    "volunteers.view_callattempt",
    "volunteers.view_queueentry",
    "volunteers.view_campaign",
    "volunteers.view_homevisit",
    "volunteers.view_homevisittransition",
    "volunteers.view_applicationtransition",
    "volunteers.view_hostnote",
]

PARTNERSHIPS = [
    "reports.view_partnership",
    "reports.change_partnership",
    "reports.view_target",
    "reports.add_target",
    "reports.change_target",
    "reports.delete_target",
    "reports.view_reportrun",
    "reports.view_reportruntransition",
]

# The road to work: employers, their placements and the supervisors' check-ins (``work``).
WORK_READ = [
    "work.view_employer",
    "work.view_stafffigures",
    "work.view_placement",
    "work.view_placementtransition",
    "work.view_placementcheckin",
]

# The employer's side: offer placements, take their steps, record check-ins and the staff figures.
EMPLOYER_WORK = [
    *WORK_READ,
    "work.add_placement",
    "work.change_placement",
    "work.add_placementcheckin",
    "work.add_stafffigures",
]

HOUSING_READ = [
    "housing.view_unit",
    "housing.view_allotment",
    "housing.view_quotaagreement",
    "housing.view_vacancy",
    "housing.view_vacancytransition",
    "housing.view_contract",
    "housing.view_contracttransition",
]

# Information meetings (``outreach``): who organises them reads and runs them in the admin (every
# change is a step of ``outreach.actions``); the data protection officer reads.
MEETINGS_READ = [
    "outreach.view_informationmeeting",
    "outreach.view_meetingtransition",
    "outreach.view_meetingsignup",
    "outreach.view_signuptransition",
]
MEETINGS_ORGANISE = [
    *MEETINGS_READ,
    "outreach.add_informationmeeting",
    "outreach.change_informationmeeting",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    VOLUNTEER: [
        "hosts.view_host",
        "hosts.view_home",
    ],
    VOLUNTEER_COORDINATOR: [
        *HOME_HISTORY,
        *VOLUNTEER_WORK,
        "hosts.change_host",
        "hosts.change_home",
        "accounts.view_user",
        # Concerns about the private homes of their groups: they acknowledge and resolve them.
        "stays.view_concern",
        "stays.view_concerntransition",
        "stays.view_mediation",
        "stays.view_mediationtransition",
        # The evaluations of the same stays (the home's group follows a private home's stay):
        # read-only; the free text as ``stays.evaluations.works_on`` decides.
        "stays.view_evaluation",
        "stays.view_evaluationanswer",
        "stays.view_evaluationtransition",
        *MEETINGS_ORGANISE,
    ],
    # Held together with VOLUNTEER_COORDINATOR, whose permissions it widens to every group.
    NATIONAL_COORDINATOR: [
        "accounts.view_localgroup",
    ],
    PARTNER_COORDINATOR: [
        *HOME_HISTORY,
        *CASES_READ,
        *MATCHES_READ,
        *PARTNERSHIPS,
        "housing.view_vacancy",
        "housing.view_vacancytransition",
        "housing.view_contract",
        "housing.view_contracttransition",
        *STAYS_READ,
        "stays.change_checkin",
        "stays.change_concern",
        "stays.add_mediation",
        "stays.change_mediation",
        "newcomers.view_householdlink",
        "newcomers.add_householdlink",
        "newcomers.change_householdlink",
        "newcomers.add_newcomercase",
        "newcomers.change_newcomercase",
        "matching.add_match",
        "matching.add_matchreason",
        "matching.change_matchreason",
        "matching.view_place",
        "matching.add_place",
        "matching.change_place",
        "matching.delete_place",
        # The road to work: add employers, propose newcomers; the municipality as an employer.
        *EMPLOYER_WORK,
        "work.add_employer",
        "work.change_employer",
        *MEETINGS_ORGANISE,
        # Tagged links of their own partner (issue 20): made and retired through the actions.
        "outreach.view_source",
        "outreach.add_source",
    ],
    MANAGER: [
        *HOME_HISTORY,
        *CASES_READ,
        *MATCHES_READ,
        *PARTNERSHIPS,
        *HOUSING_READ,
        *WORK_READ,
        "reports.add_partnership",
        "matching.view_matchingweights",
        "matching.add_matchingweights",
        "matching.change_matchingweights",
        "reports.view_reportdownload",
        "accounts.view_organisation",
    ],
    HOUSING_COMPANY_STAFF: [
        *HOUSING_READ,
        "housing.add_unit",
        "housing.change_unit",
        "housing.add_allotment",
        "housing.change_allotment",
        "housing.add_vacancy",
        "accounts.view_organisation",
        *EMPLOYER_WORK,
    ],
    PLACEMENT_SUPERVISOR: [
        *EMPLOYER_WORK,
    ],
    DATA_PROTECTION_OFFICER: [
        *HOME_HISTORY,
        *VOLUNTEER_WORK,
        *CASES_READ,
        *MATCHES_READ,
        *STAYS_READ,
        *WORK_READ,
        "newcomers.view_householdlink",
        "hosts.view_erasurerecord",
        "notifications.view_outboundemail",
        "outreach.view_source",
        "privacy.view_accesslog",
        "privacy.view_securityevent",
        "privacy.view_datarequest",
        "privacy.view_retentionrun",
        *HOUSING_READ,
        "reports.view_partnership",
        "reports.view_reportrun",
        "reports.view_reportruntransition",
        "reports.view_reportdownload",
        "accounts.view_user",
        "accounts.view_organisation",
        *MEETINGS_READ,
    ],
}


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create every role's group and give it exactly the permissions declared above.

    In one transaction, and the permissions looked up in one query: a flush (after every
    transactional test) runs it again, and a commit and a query per permission took most of a
    second."""
    from django.db import transaction

    with transaction.atomic():
        _sync_role_groups(apps)


def _sync_role_groups(apps) -> None:
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips an app without models_module (a migration's registry has
        # none); it is put back as it was, since on the project's registry a None would make
        # every later flush skip the apps' post_migrate (role groups, municipalities).
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    named = {name for names in ROLE_PERMISSIONS.values() for name in names}
    existing = {}  # "app_label.codename" -> the permission's key
    rows = (
        permission_model.objects.filter(codename__in={name.split(".")[1] for name in named})
        # Permission's own ordering, so that the first of a name is the one ``.first()`` gave.
        .order_by("content_type__app_label", "content_type__model", "codename")
        .values_list("pk", "content_type__app_label", "codename")
    )
    for pk, app_label, codename in rows:
        existing.setdefault(f"{app_label}.{codename}", pk)
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set([existing[name] for name in names if name in existing])
