"""The admin offers a person only what their organisation may link to (issue 13).

Every add and change form of every registered ModelAdmin, its inlines, the add forms made by an
action (a proposed match, a vacancy) and the step forms (``workflow.admin_tools``), as each role
that works in the admin: each relation the form offers is sent another organisation's object, and
the form must refuse it. Which roles must not reach "another organisation's object" of a model is
read from the permission matrix (``ADMIN_MODELS[...]["foreign"]``, written by hand from the
design); for organisations it is any organisation the person does not belong to. A form that
offers a relation to a model with no such object in ``portal_world`` fails the test until one is
declared, so a new field cannot go unchecked.

Then the pages themselves: the choice lists rendered on every form hold no object out of scope
and never thousands of options, the lists' filters show no other organisation's values, and the
partnership of finding 3 cannot be handed to another partner, whose manager so cannot download
its report.
"""

from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Organisation
from hosts.models import Home
from housing.models import Unit
from reports.models import Partnership
from tests.conftest import built_once_per_module
from tests.factories import UnitFactory, UserFactory, local_group, portal_world, staff_user
from tests.security import permission_matrix as matrix
from tests.security.conftest import load_municipalities
from workflow.admin_tools import ActionAddMixin, WorkflowAdminMixin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

STAFF_ROLES = matrix.STAFF_ROLES
# A choice list longer than this must be a search (autocomplete) or a raw id instead.
MOST_OPTIONS = 100

# Relations that are knowingly wider than the person's organisation, each with its reason.
WIDER_BY_DESIGN = {
    # The volunteer organisation refers a visited home to a partner it chooses; which partners
    # it works with is not recorded anywhere but in the partnerships, which are the reports'.
    ("hosts.home", "step refer", "partner"),
    # A group hands a host over to any local group of the portal (a host who moves to another
    # city goes to the group there, whichever organisation it belongs to).
    ("hosts.home", "step hand_over", "to_group"),
}


# Choice lists of other organisations that a page offers by design, each with its reason; the
# organisations offered are checked by the test named.
OTHER_ORGANISATIONS_BY_DESIGN = {
    # An employer offers a placement to an integration unit it takes newcomers from (its
    # ``Employer.integration_units``): test_an_offer_is_made_only_to_the_units_the_employer_takes.
    ("work.placement", "/admin/work/placement/add/", "integration_unit"),
}


# Models every organisation links to, whoever it is: Sweden's municipalities and counties.
REFERENCE_DATA = {"municipalities.municipality", "municipalities.county"}


def _build_world():
    load_municipalities()
    world = portal_world()
    # The organisation's national coordinator (with the volunteer coordinator's role).
    national = staff_user(
        roles.VOLUNTEER_COORDINATOR, world.orgs["volunteers"], username="w_national"
    )
    national.groups.add(Group.objects.get(name=roles.NATIONAL_COORDINATOR))
    world.users[roles.NATIONAL_COORDINATOR] = national
    world.objects["accounts.localgroup"] = world.users[roles.VOLUNTEER].local_group
    world.foreign["accounts.localgroup"] = local_group(world.orgs["other_volunteers"])
    # A person of another organisation, for relations to people.
    world.foreign["accounts.user"] = UserFactory(
        username="outsider", organisation=world.orgs["other_volunteers"], roles=[roles.VOLUNTEER]
    )
    return world


held_world = built_once_per_module(_build_world)


@pytest.fixture
def world(held_world, settings):
    return held_world.fresh(settings)


def request_of(user, method="get"):
    request = getattr(RequestFactory(), method)("/admin/")
    request.user = user
    request.session = {}
    return request


def visible(model_admin, request, obj) -> bool:
    return obj is not None and model_admin.get_queryset(request).filter(pk=obj.pk).exists()


def admin_forms(world, role):
    """(model label, page, form) of every form the admin shows a person of ``role``: add and
    change forms, their inlines' empty rows, action-made add forms and step forms."""
    user = world.users[role]
    request = request_of(user)
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        own = world.objects.get(label)
        own = own if visible(model_admin, request, own) else None
        if model_admin.has_add_permission(request):
            if isinstance(model_admin, ActionAddMixin):
                yield label, "add", model_admin.add_form(None, user=user)
            else:
                yield label, "add", model_admin.get_form(request, None, change=False)()
                for formset_class, inline in model_admin.get_formsets_with_inlines(request):
                    yield label, f"add {type(inline).__name__}", formset_class().empty_form
        if own is not None and model_admin.has_change_permission(request, own):
            form_class = model_admin.get_form(request, own, change=True)
            yield label, "change", form_class(instance=own)
            for formset_class, inline in model_admin.get_formsets_with_inlines(request, own):
                if inline.has_add_permission(request, own) or inline.has_change_permission(
                    request, own
                ):
                    formset = formset_class(instance=own)
                    yield label, f"change {type(inline).__name__}", formset.empty_form
        if own is not None and isinstance(model_admin, WorkflowAdminMixin):
            for name, step in model_admin.steps.items():
                if step.form is not None and model_admin.has_view_permission(request, own):
                    yield label, f"step {name}", model_admin.step_form(request, own, name)


def relations(form):
    """The form's fields that choose model objects (not an inline row's own id, which chooses
    among the parent's rows)."""
    own_id = form._meta.model._meta.pk.name if isinstance(form, forms.BaseModelForm) else None
    return {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField) and not field.disabled and name != own_id
    }


def outsider(world, role, form, name, field):
    """Another organisation's object for relation ``name`` that ``role`` must not reach, or None
    when the role legitimately reaches the other organisation's objects of that model. Raises
    LookupError when the world has no such object to try."""
    model = field.queryset.model
    label = model._meta.label_lower
    user = world.users[role]
    if model is Organisation:
        candidates = Organisation.objects.exclude(pk=user.organisation_id)
        model_field = getattr(getattr(form, "_meta", None), "model", None)
        if model_field is not None:
            try:
                limit = model_field._meta.get_field(name).get_limit_choices_to()
            except Exception:
                limit = {}
            candidates = candidates.complex_filter(limit or {})
        return candidates.first()
    if label == "accounts.user":
        return world.foreign[label]
    if label in REFERENCE_DATA:
        return None
    if label not in world.foreign:
        raise LookupError(label)
    if label not in matrix.ADMIN_MODELS:
        # No admin of the model says who reaches another organisation's: nobody does.
        return world.foreign[label]
    if role not in matrix.ADMIN_MODELS[label].get("foreign", set()):
        return None
    return world.foreign[label]


def form_value(field, obj):
    value = str(obj.pk)
    return [value] if isinstance(field, forms.ModelMultipleChoiceField) else value


def test_every_relation_on_every_admin_form_refuses_another_organisations_object(world):
    accepted, undeclared, walked = [], set(), set()
    for role in STAFF_ROLES:
        for label, page, form in admin_forms(world, role):
            for name, field in relations(form).items():
                where = f"{role}: {label} {page} {name}"
                if (label, page, name) in WIDER_BY_DESIGN:
                    continue
                try:
                    other = outsider(world, role, form, name, field)
                except LookupError as missing:
                    undeclared.add(f"{where} -> {missing}")
                    continue
                if other is None:
                    continue
                walked.add(f"{label} {page} {name}")
                data = {form.add_prefix(name): form_value(field, other)}
                bound = form.__class__(data=data, **bound_arguments(form))
                codes = [error.code for error in bound.errors.as_data().get(name, [])]
                if "invalid_choice" not in codes and "invalid_pk_value" not in codes:
                    accepted.append(f"{where} accepted {other!r} ({codes})")
    # The forms of findings 3 and 10 and the relations offered by action-made add forms are
    # among those walked.
    assert {
        "reports.partnership add partner",
        "reports.partnership add volunteer_organisation",
        "reports.partnership add housing_company",
        "newcomers.newcomercase add partner",
        "matching.match add case",
        "matching.match add home",
        "matching.matchreason add partner",
        "matching.match step reject reason_choice",
        "housing.vacancy add unit",
        "housing.unit add company",
        "work.placement add employer",
        "work.placement add integration_unit",
        "work.placement add supervisor",
        "work.placement step propose case",
        "work.placement step change_offer supervisor",
        "work.placementcheckin add placement",
        "work.stafffigures add employer",
    } <= walked, sorted(walked)
    assert not undeclared, "No other organisation's object to try:\n" + "\n".join(
        sorted(undeclared)
    )
    assert not accepted, "\n".join(accepted)


def bound_arguments(form) -> dict:
    """What an unbound ``form`` was made with, to make it again with data."""
    arguments = {}
    if getattr(form, "prefix", None):
        arguments["prefix"] = form.prefix
    if isinstance(form, forms.BaseModelForm) and form.instance.pk is not None:
        arguments["instance"] = form.instance
    for name in ("obj", "user", "object_argument"):
        if hasattr(form, name):
            arguments[name] = getattr(form, name)
    if getattr(form, "empty_permitted", False):
        arguments["empty_permitted"] = False
        arguments["use_required_attribute"] = False
    return arguments


# The pages -------------------------------------------------------------------------------------


class SelectReader(HTMLParser):
    """name -> the values of its options, for every <select> of a page."""

    def __init__(self):
        super().__init__()
        self.selects, self._current = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._current = attrs.get("name", "")
            self.selects.setdefault(self._current, [])
        elif tag == "option" and self._current is not None and attrs.get("value"):
            self.selects[self._current].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._current = None


def selects_on(response) -> dict[str, list[str]]:
    reader = SelectReader()
    reader.feed(response.content.decode())
    return reader.selects


def form_pages(world, role):
    """The addresses of the admin's forms a person of ``role`` opens."""
    user = world.users[role]
    request = request_of(user)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        own = world.objects.get(opts.label_lower)
        if model_admin.has_add_permission(request):
            yield opts.label_lower, reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        if visible(model_admin, request, own) and model_admin.has_view_permission(request, own):
            yield (
                opts.label_lower,
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[own.pk]),
            )
            if isinstance(model_admin, WorkflowAdminMixin):
                for name, step in model_admin.steps.items():
                    if step.form is not None:
                        yield opts.label_lower, model_admin.step_url(own, name)


@pytest.fixture
def many(world):
    """A housing company of more flats, and more homes, than a choice list may hold."""
    company = world.orgs["housing"]
    Unit.objects.bulk_create([UnitFactory.build(company=company) for _ in range(MOST_OPTIONS + 20)])
    template = world.objects["hosts.home"]
    Home.objects.bulk_create(
        [
            Home(
                host=template.host,
                street_address=f"Storgatan {n}",
                postcode="83532",
                municipality_id="2309",  # Krokom
                kind=template.kind,
                beds=2,
                available_from=timezone.localdate(),
                rent_per_month=3000,
                household_description="Vi är två.",
                smoking=template.smoking,
                heard_from=template.heard_from,
            )
            for n in range(MOST_OPTIONS + 20)
        ]
    )
    return world


def test_the_choice_lists_on_every_admin_page_hold_only_what_the_role_may_link_to(many, client):
    world = many
    problems, counted = [], {}
    own_organisations = {str(user.organisation_id) for user in world.users.values()}
    foreign_ids = {label: str(obj.pk) for label, obj in world.foreign.items()}
    for role in STAFF_ROLES:
        user = world.users[role]
        client.force_login(user)
        for label, path in form_pages(world, role):
            response = client.get(path)
            if response.status_code != 200:
                problems.append(f"{role}: {path} answered {response.status_code}")
                continue
            form = response.context.get("adminform")
            form = form.form if form is not None else response.context.get("form")
            fields = relations(form) if form is not None else {}
            for name, values in selects_on(response).items():
                counted[f"{role} {path} {name}"] = len(values)
                if len(values) > MOST_OPTIONS:
                    problems.append(f"{role}: {path} {name} offers {len(values)} options")
                field = fields.get(name.removeprefix(form.prefix + "-") if form.prefix else name)
                if field is None:
                    continue
                model = field.queryset.model
                if model is Organisation:
                    others = set(values) - {str(user.organisation_id)}
                    if (label, path, name) in OTHER_ORGANISATIONS_BY_DESIGN:
                        continue
                    if others and (label, "step refer", name) not in WIDER_BY_DESIGN:
                        problems.append(f"{role}: {path} {name} offers organisations {others}")
                    continue
                foreign = foreign_ids.get(model._meta.label_lower)
                outsiders = matrix.ADMIN_MODELS.get(model._meta.label_lower, {}).get("foreign")
                # A step page's list that is wider by design (the groups a host is handed to).
                step = path.rstrip("/").rsplit("/", 1)[-1] if "/step/" in path else None
                wider = step is not None and (label, f"step {step}", name) in WIDER_BY_DESIGN
                if foreign in values and role in (outsiders or ()) and not wider:
                    problems.append(f"{role}: {path} {name} offers another organisation's")
    assert own_organisations  # the people belong to organisations, so "own" means something
    assert counted, "no choice list was rendered at all"
    assert not problems, "\n".join(problems)


def test_the_home_form_offers_no_flat_of_the_company_and_no_list_of_homes(many, client):
    """Finding 10: the home form showed a volunteer coordinator all of a company's flats and
    every home as "duplicate of" (583 KB); they are set by the portal's steps now."""
    home = many.objects["hosts.home"]
    client.force_login(many.users[roles.VOLUNTEER_COORDINATOR])
    response = client.get(reverse("admin:hosts_home_change", args=[home.pk]))
    assert response.status_code == 200
    selects = selects_on(response)
    assert not {"unit", "duplicate_of", "place"} & set(selects), selects.keys()
    assert 'name="host"' in response.content.decode()  # a raw id, checked against the scope
    assert len(response.content) < 200_000


def test_a_vacancy_is_recorded_by_searching_the_companys_own_flats(many, client):
    staff = many.users[roles.HOUSING_COMPANY_STAFF]
    client.force_login(staff)
    response = client.get(reverse("admin:housing_vacancy_add"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "admin-autocomplete" in page and len(selects_on(response).get("unit", [])) <= 1
    # The search answers with the company's flats only.
    search = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "housing", "model_name": "vacancy", "field_name": "unit", "term": "KB"},
    )
    assert search.status_code == 200
    found = {int(result["id"]) for result in search.json()["results"]}
    assert found and found <= set(
        Unit.objects.filter(company=staff.organisation).values_list("pk", flat=True)
    )
    foreign_unit = many.foreign["housing.unit"]
    today = timezone.localdate().isoformat()
    refused = client.post(
        reverse("admin:housing_vacancy_add"),
        {"unit": foreign_unit.pk, "notice_given_on": today, "available_from": today},
    )
    assert refused.status_code == 400
    assert not foreign_unit.vacancies.exists()


def filter_values(response) -> str:
    """The text of the list's filters (the sidebar), where the values offered are."""
    page = response.content.decode()
    start = page.find('id="changelist-filter"')
    return page[start:] if start >= 0 else ""


def test_the_lists_filters_show_only_the_persons_own_values(world, client):
    """Finding 10: the match list's municipality filter listed every home's municipality."""
    foreign_home = world.foreign["hosts.home"]
    # Ydre: a municipality no one else's rows are in.
    Home.objects.filter(pk=foreign_home.pk).update(municipality_id="0512")
    world.foreign["housing.unit"].__class__.objects.filter(
        pk=world.foreign["housing.unit"].pk
    ).update(municipality_id="0512")
    other_partner, other_company = world.orgs["other_partner"], world.orgs["other_housing"]
    # What each role must not find in any list's filters.
    hidden = {
        roles.PARTNER_COORDINATOR: ["Ydre", other_partner.name, other_company.name],
        roles.MANAGER: ["Ydre", other_partner.name, other_company.name],
        roles.HOUSING_COMPANY_STAFF: ["Ydre", other_partner.name, other_company.name],
        roles.VOLUNTEER_COORDINATOR: [other_company.name],
    }
    problems, lists = [], 0
    for role, words in hidden.items():
        user = world.users[role]
        client.force_login(user)
        request = request_of(user)
        for model, model_admin in admin.site._registry.items():
            if not model_admin.has_view_permission(request):
                continue
            opts = model._meta
            response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            assert response.status_code == 200, (role, opts.label)
            lists += 1
            sidebar = filter_values(response)
            problems += [f"{role}: {opts.label} filters show {w!r}" for w in words if w in sidebar]
    # The match list, as its partner's coordinator, still offers the partner's municipality.
    client.force_login(world.users[roles.PARTNER_COORDINATOR])
    matches = client.get(reverse("admin:matching_match_changelist"))
    assert world.objects["hosts.home"].municipality.short_name in filter_values(matches)
    assert lists > 20
    assert not problems, "\n".join(problems)


# Finding 3: the partnership cannot be handed to another partner ------------------------------


def test_a_partner_coordinator_cannot_hand_the_partnership_to_another_partner(world, client):
    partnership = world.objects["reports.partnership"]
    run = world.objects["reports.reportrun"]
    parties = partnership.party_ids()
    other_partner = world.orgs["other_partner"]
    client.force_login(world.users[roles.PARTNER_COORDINATOR])
    path = reverse("admin:reports_partnership_change", args=[partnership.pk])
    page = client.get(path)
    assert page.status_code == 200
    assert not {"partner", "volunteer_organisation", "housing_company"} & set(selects_on(page))
    target = partnership.targets.get()
    response = client.post(
        path,
        {
            "name": "Överlämnad",
            "partner": other_partner.pk,
            "volunteer_organisation": world.orgs["other_volunteers"].pk,
            "housing_company": world.orgs["other_housing"].pk,
            "period_start": "2020-01-01",
            "period_end": "2030-01-01",
            "check_in_days": "[7, 30]",
            "check_in_every_days": "91",
            "evaluation_concern_below": "3",
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "1",
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
            "targets-0-id": target.pk,
            "targets-0-partnership": partnership.pk,
            "targets-0-metric": target.metric,
            "targets-0-goal": "42",
            "targets-0-within_days": target.within_days,
            "_save": "Save",
        },
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )  # the targets are the coordinator's to change
    partnership.refresh_from_db()
    target.refresh_from_db()
    assert partnership.party_ids() == parties and partnership.name != "Överlämnad"
    assert target.goal == 42
    # So the other partner's manager still does not find the partnership's report.
    manager = UserFactory(username="grannchef", organisation=other_partner, roles=[roles.MANAGER])
    client.force_login(manager)
    assert not Partnership.objects.visible_to(manager).filter(pk=partnership.pk).exists()
    assert client.get(reverse("reports:download_pdf", args=[run.pk])).status_code == 404


def test_a_manager_adding_a_partnership_is_offered_only_their_own_organisation(world, client):
    manager = world.users[roles.MANAGER]
    client.force_login(manager)
    response = client.get(reverse("admin:reports_partnership_add"))
    assert response.status_code == 200
    selects = selects_on(response)
    assert selects["partner"] == [str(manager.organisation_id)]
    assert selects["volunteer_organisation"] == [] and selects["housing_company"] == []
    before = Partnership.objects.count()
    response = client.post(
        reverse("admin:reports_partnership_add"),
        {
            "name": "Egen",
            "partner": world.orgs["other_partner"].pk,
            "volunteer_organisation": world.orgs["volunteers"].pk,
            "period_start": "2027-01-01",
            "period_end": "2027-12-01",
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) >= {"partner", "volunteer_organisation"}
    assert Partnership.objects.count() == before


def test_the_plan_offers_only_the_persons_own_partner(world, client):
    client.force_login(world.users[roles.PARTNER_COORDINATOR])
    other = world.orgs["other_partner"]
    response = client.get(reverse("admin:newcomers_newcomercase_plan"), {"partner": other.pk})
    assert response.status_code == 200
    assert response.context["partner"] == world.orgs["partner"]
    assert other.name not in response.content.decode()
    for odd in ("abc", "99999999999999999999", "-1"):
        odd_page = client.get(reverse("admin:newcomers_newcomercase_plan"), {"partner": odd})
        assert odd_page.status_code == 200, odd


def test_an_offer_is_made_only_to_the_units_the_employer_takes(world, client):
    """The offer form's integration units are those of the employers the person acts for: the
    world's company takes the world's partner's newcomers, not the other partner's."""
    partner, other_partner = world.orgs["partner"], world.orgs["other_partner"]
    for role in (roles.HOUSING_COMPANY_STAFF, roles.PLACEMENT_SUPERVISOR):
        client.force_login(world.users[role])
        response = client.get(reverse("admin:work_placement_add"))
        assert response.status_code == 200
        selects = selects_on(response)
        assert selects["integration_unit"] == [str(partner.pk)], role
        assert selects["employer"] == [str(world.objects["work.employer"].pk)], role
    # The partner's coordinator acts for no employer: no offer to make.
    client.force_login(world.users[roles.PARTNER_COORDINATOR])
    assert client.get(reverse("admin:work_placement_add")).status_code == 403
    # Where the municipality is itself an employer (taking its own and the other partner's
    # newcomers), its coordinators offer its placements to either.
    from work.actions import register_employer

    register_employer(organisation=partner, integration_units=[partner, other_partner])
    selects = selects_on(client.get(reverse("admin:work_placement_add")))
    assert sorted(selects["integration_unit"]) == sorted([str(partner.pk), str(other_partner.pk)])
