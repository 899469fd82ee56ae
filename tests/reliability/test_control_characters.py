"""NUL bytes and other control characters are refused on every form, with a message on the field,
never saved and never sent to the database (PostgreSQL answers DataError to a NUL: a 500).

The walk finds the forms itself: every form class the portal's apps define, Django's log-in and
password forms, and every registered ModelAdmin's add and change form and inline formsets
(third-party admins included), so a form added later is walked too.
"""

import importlib
import inspect
import pkgutil
from urllib.parse import quote

import pytest
from django import forms
from django.contrib.admin.sites import all_sites
from django.forms.formsets import BaseFormSet
from django.template.base import Template
from django.test import RequestFactory
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from hosts.models import Home
from matching.models import Place
from stays.models import CheckIn
from stays.surveys import SURVEYS
from tests.conftest import built_once_per_module
from tests.factories import UserFactory, portal_world
from workflow.form_input import find_control_character

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PORTAL_APPS = [
    "accounts",
    "workflow",
    "notifications",
    "hosts",
    "newcomers",
    "matching",
    "housing",
    "privacy",
    "volunteers",
    "reports",
    "stays",
]
# Forms the portal shows that other packages define (log-in, password, the admin's own).
OTHER_FORM_MODULES = ["django.contrib.auth.forms", "django.contrib.admin.forms"]

# NUL, another C0 control (ESC), DEL, a C1 control (CSI) and a lone surrogate half.
BAD = {
    "NUL": "Ås\x00torp",
    "C0": "Ås\x1btorp",
    "DEL": "Ås\x7ftorp",
    "C1": "Ås\x9btorp",
    "surrogate": "Ås\ud800torp",
}


@pytest.mark.parametrize(
    "text",
    ["", "Åsa Öberg", "rad ett\r\nrad två\tflik", "100\u00a0kr", "€ ✓ 𝕬 ﷺ \u202e", "\ufeff"],
)
def test_ordinary_text_holds_no_control_character(text):
    assert find_control_character(text) is None


@pytest.mark.parametrize(
    "value",
    ["\x00", "a\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\udfff"],
)
def test_control_characters_are_found_in_texts_lists_and_json(value):
    assert find_control_character(value) == value[-1]
    assert find_control_character(["ok", value]) == value[-1]
    assert find_control_character({"ok": [1, {"key": value}]}) == value[-1]
    assert find_control_character({value: 1}) == value[-1]


@pytest.mark.parametrize("raw", ['{"note": "\\u0000"}', '["\\ud800"]', '{"\\u001b": 1}'])
def test_a_json_field_refuses_a_control_character_written_as_an_escape(raw):
    class Form(forms.Form):
        data = forms.JSONField()

    form = Form(data={"data": raw})
    assert [error.code for error in form.errors.as_data()["data"]] == ["control_character"]


def test_a_choice_of_rows_by_a_text_key_is_refused_before_any_query(
    organisations, django_assert_num_queries
):
    from accounts.models import Organisation

    class Form(forms.Form):
        organisation = forms.ModelChoiceField(Organisation.objects.all(), to_field_name="name")
        organisations = forms.ModelMultipleChoiceField(
            Organisation.objects.all(), to_field_name="name"
        )

    form = Form(data={"organisation": "Krokom\x00", "organisations": ["Krokom", "Ås\x00"]})
    with django_assert_num_queries(0):
        errors = form.errors.as_data()
    assert {name: [error.code for error in found] for name, found in errors.items()} == {
        "organisation": ["control_character"],
        "organisations": ["control_character"],
    }


# Finding the forms ---------------------------------------------------------------------------


def portal_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined at the top of a module of the portal's apps or of
    ``OTHER_FORM_MODULES``, except bases without a model and forms of a swapped model (Django's
    ``auth.User`` ones)."""
    modules = list(OTHER_FORM_MODULES)
    for app in PORTAL_APPS:
        package = importlib.import_module(app)
        modules += [
            info.name
            for info in pkgutil.walk_packages(package.__path__, f"{app}.")
            if not {"migrations", "management"} & set(info.name.split("."))
        ]
    found = []
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
                and not (
                    issubclass(value, forms.BaseModelForm)
                    and (value._meta.model is None or value._meta.model._meta.swapped)
                )
            ):
                found.append(value)
    return found


def bad_data(form, text):
    """``text`` in every field of ``form`` (and in the parts of a field of several inputs)."""
    data = MultiValueDict()
    for name in form.fields:
        key = form.add_prefix(name)
        data.setlist(key, [text])
        for part in range(4):
            data.setlist(f"{key}_{part}", [text])
    return data


def refusals(form, text) -> list[str]:
    """The fields of bound ``form`` that were sent ``text`` and did not refuse it for its
    control character (or the error the form raised instead of answering)."""
    try:
        errors = form.errors.as_data()
    except Exception as exc:  # a 500 on the page
        return [f"raised {exc!r}"]
    if form.empty_permitted and not form.has_changed():
        return []  # an extra row left as it was: its data is never read
    missed = []
    for name, field in form.fields.items():
        if field.disabled or find_control_character(form[name].data) is None:
            continue  # e.g. a checkbox turns whatever it is sent into True
        codes = {error.code for error in errors.get(name, [])}
        if "control_character" not in codes:
            missed.append(f"{name} ({sorted(codes) or 'accepted'})")
    return missed


held_world = built_once_per_module(portal_world)


@pytest.fixture
def world(held_world, settings):
    return held_world.fresh(settings)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_every_form_of_the_portal_refuses_control_characters(world, superuser):
    classes = portal_form_classes()
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in classes}
    # The walk finds the forms that reached the database before, and Django's log-in form.
    assert {
        "stays.check_in_forms.RecordCheckInForm",
        "volunteers.forms.VolunteerApplicationForm",
        "hosts.forms.RegistrationForm",
        "newcomers.admin.NewcomerCaseForm",
        "django.contrib.auth.forms.AuthenticationForm",
    } <= names, names
    missed = {}
    for cls in classes:
        # Forms that need a person or a home get them; every other argument keeps its default.
        wanted = {
            "user": superuser,
            "home": world.queued_home,
            "visit": world.visit,
            "survey": SURVEYS["household_end"],  # its free-text question is walked too
        }
        for kind, text in BAD.items():
            form = make(cls, wanted, data=bad_data(make(cls, wanted), text))
            if fields := refusals(form, text):
                missed[f"{cls.__module__}.{cls.__qualname__} {kind}"] = fields
    assert not missed, "\n".join(f"{where}: {fields}" for where, fields in missed.items())


def make(cls, wanted, **kwargs):
    """``cls(**kwargs)`` with those of ``wanted`` (a person, a home) that one of its
    ``__init__``s names; without those only a base names, if the class gives them itself."""

    def named(classes):
        names = set()
        for klass in classes:
            if "__init__" in vars(klass):
                names |= set(inspect.signature(klass.__init__).parameters)
        return {name: value for name, value in wanted.items() if name in names}

    try:
        return cls(**named(cls.__mro__), **kwargs)
    except TypeError:  # "got multiple values for keyword argument"
        return cls(**named([cls]), **kwargs)


def admin_request(user, method="get"):
    request = getattr(RequestFactory(), method)("/admin/")
    request.user = user
    request.session = {}
    return request


def test_every_admin_form_and_inline_refuses_control_characters(world, superuser):
    request = admin_request(superuser)
    missed, walked = {}, set()
    for site in all_sites:
        for model, model_admin in site._registry.items():
            label = model._meta.label_lower
            changed = model_admin.get_queryset(request).first()
            for obj in [None, changed] if changed is not None else [None]:
                if obj is None and not model_admin.has_add_permission(request):
                    continue
                if obj is not None and not model_admin.has_change_permission(request, obj):
                    continue
                page = "change" if obj else "add"
                form_class = model_admin.get_form(request, obj, change=obj is not None)
                for kind, text in BAD.items():
                    probe = form_class(instance=obj)
                    form = form_class(data=bad_data(probe, text), instance=obj)
                    if fields := refusals(form, text):
                        missed[f"{label} {page} form {kind}"] = fields
                walked.add(f"{label} {page}")
                for formset_class, inline in model_admin.get_formsets_with_inlines(request, obj):
                    for kind, text in BAD.items():
                        formset = inline_formset(formset_class, obj, text)
                        try:
                            formset.is_valid()
                        except Exception as exc:
                            missed[f"{label} {page} {type(inline).__name__} {kind}"] = [repr(exc)]
                            continue
                        for form in formset.forms:
                            if fields := refusals(form, text):
                                missed[f"{label} {page} {type(inline).__name__} {kind}"] = fields
                    walked.add(f"{label} {page} {type(inline).__name__}")
    # The admin forms that reached the database before are among those walked.
    assert {
        "matching.place add",
        "reports.partnership change TargetInline",
        "reports.partnership add TargetInline",
        "django_celery_beat.periodictask add",
    } <= walked, sorted(walked)
    assert not missed, "\n".join(f"{where}: {fields}" for where, fields in missed.items())


def inline_formset(formset_class: type[BaseFormSet], obj, text):
    """An inline formset sent one new row with ``text`` in every field."""
    prefix = formset_class.get_default_prefix()
    empty = formset_class(instance=obj, prefix=prefix).empty_form
    data = bad_data(empty, text)
    for key in list(data):  # the empty form's prefix is "<prefix>-__prefix__-"
        data.setlist(key.replace("__prefix__", "0"), data.pop(key))
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    return formset_class(data=data, instance=obj, prefix=prefix)


# The pages: the form again, with the message and what was typed ------------------------------


@pytest.fixture
def coordinator_client(client, world):
    from accounts import roles

    client.force_login(world.users[roles.PARTNER_COORDINATOR])
    return client


def test_a_nul_in_the_check_in_note_is_refused_on_the_page(client, world):
    from accounts import roles

    check_in = world.objects["stays.checkin"]
    client.force_login(world.users[roles.VOLUNTEER])
    response = client.post(
        f"/volunteer/check-ins/{check_in.pk}/", {"outcome": "all_well", "note": "Det går\x00 bra."}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "styrtecken (U+0000)" in page  # the page is in Swedish
    assert "Det går\x00 bra." in page  # shown again as it was typed
    check_in.refresh_from_db()
    assert check_in.done_at is None and check_in.note == ""


def test_the_check_in_note_is_saved_as_typed(client, world):
    from accounts import roles

    check_in = world.objects["stays.checkin"]
    client.force_login(world.users[roles.VOLUNTEER])
    response = client.post(
        f"/volunteer/check-ins/{check_in.pk}/",
        {"outcome": "all_well", "note": "Det går bra.\r\nBra."},
    )
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert check_in.done_at is not None and check_in.note == "Det går bra.\r\nBra."


def test_a_nul_in_the_admins_place_form_is_refused_on_the_form(coordinator_client, world):
    sent = {
        "name": "Å\x00s",
        "partner": str(world.orgs["partner"].pk),
        "municipality": "2309\x85",
        "latitude": "63.25",
        "longitude": "14.55",
        "_save": "Save",
    }
    before = Place.objects.count()
    response = coordinator_client.post("/admin/matching/place/add/", sent)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["name"]] == ["control_character"]
    assert [e.code for e in errors["municipality"]] == ["control_character"]
    assert 'value="Å\x00s"' in response.content.decode()
    assert Place.objects.count() == before


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Ås\x00"},
        {"q": "\x9b"},
        {"kind": "district\x00"},
        {"partner__id__exact": "1\x00"},
        {"o": "1\x00"},
        {"name\x00": "x"},
    ],
)
def test_a_control_character_in_an_admin_search_or_filter_is_a_400_page(coordinator_client, query):
    response = coordinator_client.get("/admin/matching/place/", query)
    assert response.status_code == 400
    assert "osynligt styrtecken" in response.content.decode()  # the page is in Swedish


def test_a_control_character_in_the_admins_autocomplete_is_a_400_page(coordinator_client):
    response = coordinator_client.get(
        "/admin/autocomplete/",
        {"term": "\x00", "app_label": "matching", "model_name": "match", "field_name": "home"},
    )
    assert response.status_code == 400


def test_a_control_character_in_a_path_is_a_400_page(client):
    response = client.get("/my-offer/" + quote("\x00") + "/")
    assert response.status_code == 400


def test_an_ordinary_search_still_works(coordinator_client):
    response = coordinator_client.get("/admin/matching/place/", {"q": "Ås Öberg"})
    assert response.status_code == 200


def test_a_check_in_of_today_is_still_on_the_start_page(client, world):
    """The start page links to the check-in's page, where the volunteer records it."""
    from accounts import roles

    check_in = world.objects["stays.checkin"]
    CheckIn.objects.filter(pk=check_in.pk).update(due_on=timezone.localdate())
    client.force_login(world.users[roles.VOLUNTEER])
    page = client.get("/volunteer/").content.decode()
    assert f"/volunteer/check-ins/{check_in.pk}/" in page


@pytest.fixture
def calling(client, world):
    """A volunteer holding the queued host, on the call page."""
    from accounts import roles

    client.force_login(world.users[roles.VOLUNTEER])
    assert client.post("/volunteer/queue/next/").status_code == 302
    return client


def test_a_control_character_in_a_call_note_is_refused_on_the_call_page(calling, world):
    from volunteers.models import HostNote

    notes = HostNote.objects.count()
    response = calling.post(
        f"/volunteer/homes/{world.queued_home.pk}/note/",
        {"text": "Ring efter fem.\x07", "next": "/volunteer/queue/"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "styrtecken (U+0007)" in page  # the page is in Swedish
    assert "Ring efter fem.\x07</textarea>" in page
    assert HostNote.objects.count() == notes


def test_a_hand_back_with_a_refused_note_keeps_the_host(calling, world):
    entry = world.objects["volunteers.queueentry"]
    response = calling.post(f"/volunteer/queue/{entry.pk}/hand-back/", {"note": "Fel\x00"})
    assert response.status_code == 400
    assert "styrtecken (U+0000)" in response.content.decode()  # the page is in Swedish
    entry.refresh_from_db()
    assert entry.claimed_by == world.users["volunteer"]


def test_a_refused_reason_for_declining_is_shown_again_and_declines_nothing(client, world):
    from accounts import roles
    from volunteers.models import VolunteerApplication

    client.force_login(world.users[roles.VOLUNTEER_COORDINATOR])
    application = world.application
    response = client.post(
        f"/volunteer/applications/{application.pk}/decline/", {"reason": "Inte nu\x9b"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "styrtecken (U+009B)" in page  # the page is in Swedish
    assert 'value="Inte nu\x9b"' in page
    application.refresh_from_db()
    assert application.status == VolunteerApplication.Status.PENDING


# Every parameter the admin reads, on every list (issue 13) ------------------------------------
#
# Run on PostgreSQL in CI (``DATABASE_URL``), where a NUL that reaches a query is a DataError: the
# client does not raise the view's exception, so a server error is seen as the 500 it would be.


def changelist_parameters(model_admin, request) -> set[str]:
    """The query parameters a model's list reads: search, each filter's own and the date
    hierarchy's (the ordering, the page and the others are tried on one list)."""
    names = {"q"}
    changelist = model_admin.get_changelist_instance(request)
    for spec in changelist.filter_specs:
        names |= set(spec.expected_parameters())
    if model_admin.date_hierarchy:
        names |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    return names


@pytest.fixture
def admin_lists(world, superuser, monkeypatch):
    """(model admin, the address of its list, the parameters it reads) for every registered
    admin, and a client logged in as a superuser whose 500s are answers, not exceptions."""
    from django.test import Client
    from django.urls import reverse

    request = admin_request(superuser)
    lists = []
    for site in all_sites:
        for model, model_admin in site._registry.items():
            opts = model._meta
            path = reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_changelist")
            lists.append((model_admin, path, changelist_parameters(model_admin, request)))
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    # Hundreds of lists: skip the test client's record of every template rendered.
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
    return client, lists


def test_a_nul_in_any_parameter_of_any_admin_list_is_a_400_page(admin_lists):
    client, lists = admin_lists
    answers = {}
    for _model_admin, path, names in lists:
        for name in names:
            answers[f"{path}?{name}=%00"] = client.get(path, {name: "\x00"}).status_code
    for name in ("o", "p", "all", "_to_field", "_popup", "e", "_changelist_filters"):
        answers[f"/admin/hosts/home/?{name}=%00"] = client.get(
            "/admin/hosts/home/", {name: "\x00"}
        ).status_code
    nested = client.get("/admin/hosts/home/", {"_changelist_filters": "q=\x00"}).status_code
    answers["/admin/hosts/home/?_changelist_filters=q%3D%2500"] = nested
    wrong = {where: status for where, status in answers.items() if status != 400}
    assert len(answers) > 100  # every list, with its filters
    assert not wrong, wrong


def test_an_odd_value_in_any_parameter_of_any_admin_list_is_no_server_error(admin_lists):
    """Not a control character, but no value Django expects: an answer, never a 500."""
    client, lists = admin_lists
    wrong = {}
    for _model_admin, path, names in lists:
        for name in names - {"q"}:
            for value in ("abc", "99999999999999999999"):
                status = client.get(path, {name: value}).status_code
                if status >= 500:
                    wrong[f"{path}?{name}={value}"] = status
    assert not wrong, wrong


def test_the_admins_autocomplete_refuses_a_nul_in_each_of_its_parameters(admin_lists):
    client, _lists = admin_lists
    asked = {"app_label": "housing", "model_name": "vacancy", "field_name": "unit", "term": "KB"}
    assert client.get("/admin/autocomplete/", asked).status_code == 200
    for name in [*asked, "page"]:
        response = client.get("/admin/autocomplete/", {**asked, name: "Å\x00"})
        assert response.status_code == 400, name
    odd = client.get("/admin/autocomplete/", {**asked, "page": "abc"})
    assert odd.status_code < 500


def test_an_admin_action_on_a_selection_that_is_not_one_of_the_rows_is_a_400_page(
    admin_lists, superuser
):
    """Django's admin answered a selected id it could not read ("abc", a NUL, a number past
    the database's) with a 500; the list's own POST is refused with a page instead, in the
    admin's look, and nothing is done."""
    client, lists = admin_lists
    request = admin_request(superuser)
    wrong, tried = {}, 0
    for model_admin, path, _names in lists:
        for action in list(model_admin.get_actions(request))[:1]:
            for selected in ("\x00", "abc", "1\x00", "99999999999999999999", ""):
                data = {"action": action, "_selected_action": selected, "index": "0"}
                response = client.post(path, data)
                tried += 1
                if response.status_code != 400 or b'id="site-name"' not in response.content:
                    wrong[f"{path} {action} {selected!r}"] = response.status_code
    assert tried > 30
    assert not wrong, wrong


def test_a_control_character_in_a_posted_name_or_the_admins_own_values_is_a_400_page(
    admin_lists, world
):
    client, _lists = admin_lists
    home = world.objects["hosts.home"]
    change = f"/admin/hosts/home/{home.pk}/change/"
    for data in (
        {"note\x00": "x"},
        {"_save\x1b": "Save"},
        {"_continue": "\x00"},
        {"action": "delete_selected", "index": "0\x00", "_selected_action": str(home.pk)},
        {"_changelist_filters": "q=\x00"},
    ):
        response = client.post(change if "action" not in data else "/admin/hosts/home/", data)
        assert response.status_code == 400, data
        assert "osynligt styrtecken" in response.content.decode()  # in Swedish
    assert Home.objects.filter(pk=home.pk).exists()
