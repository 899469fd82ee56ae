"""Rows of one admin inline that would break a unique constraint are refused on the form, with a
message, instead of reaching the database as an IntegrityError (a 500).

The partnership's targets, one per metric (``target_unique_metric``), are the inline that broke;
the last test walks every admin for any other inline that could.
"""

import pytest
from django.contrib.admin.sites import all_sites
from django.test import RequestFactory

from reports.models import Target
from tests.factories import PartnershipFactory, TargetFactory, UserFactory
from tests.reliability.test_fuzz_forms import page_form
from workflow.form_input import UniqueRowsInlineFormSet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


@pytest.fixture
def partnership(organisations):
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"], partner=organisations["partner"]
    )
    TargetFactory(partnership=partnership, metric="new_registrations", goal=100)
    return partnership


@pytest.fixture
def admin_client(client, coordinator):
    client.force_login(coordinator)
    return client


def change_page(client, partnership, **changes):
    path = f"/admin/reports/partnership/{partnership.pk}/change/"
    return path, page_form(client, path, _save="Save", **changes)


def metrics(partnership):
    return sorted(Target.objects.filter(partnership=partnership).values_list("metric", "goal"))


def row_errors(response, row):
    """The codes of the errors on row ``row`` of the targets, by field."""
    formset = response.context["inline_admin_formsets"][0].formset
    errors = formset.forms[row].errors.as_data()
    return {field: [error.code for error in found] for field, found in errors.items()}


def test_two_new_rows_for_the_same_metric_are_refused(admin_client, partnership):
    path, data = change_page(
        admin_client,
        partnership,
        **{
            "targets-TOTAL_FORMS": "3",
            "targets-1-metric": "home_visits",
            "targets-1-goal": "12",
            "targets-2-metric": "home_visits",
            "targets-2-goal": "14",
            "targets-2-within_days": "7",
        },
    )
    before = metrics(partnership)
    response = admin_client.post(path, data)
    assert response.status_code == 200
    assert metrics(partnership) == before


def test_a_new_row_like_one_saved_meanwhile_is_refused(admin_client, partnership):
    """Two coordinators add a target for home visits at the same time: the second is told."""
    path, data = change_page(
        admin_client, partnership, **{"targets-1-metric": "home_visits", "targets-1-goal": "12"}
    )
    TargetFactory(partnership=partnership, metric="home_visits", goal=10)  # the other person
    response = admin_client.post(path, data)
    assert response.status_code == 200
    assert row_errors(response, 1) == {"metric": ["unique_row"]}
    assert metrics(partnership) == [("home_visits", 10), ("new_registrations", 100)]


def test_a_saved_row_sent_again_as_a_new_one_is_refused(admin_client, partnership):
    """The fuzzers' example: the form says it holds no saved rows, so the saved target comes
    back as a new row for the same metric."""
    path, data = change_page(admin_client, partnership, **{"targets-INITIAL_FORMS": "0"})
    response = admin_client.post(path, data)
    assert response.status_code == 200
    assert row_errors(response, 0) == {"metric": ["unique_row"]}
    assert metrics(partnership) == [("new_registrations", 100)]


def test_two_saved_rows_that_swap_their_metrics_are_refused(admin_client, partnership):
    """The database checks the constraint row by row, so a swap in one save cannot be written."""
    TargetFactory(partnership=partnership, metric="home_visits", goal=12)
    path, data = change_page(admin_client, partnership)
    # Ordered by metric: row 0 is home visits, row 1 new registrations.
    data.update({"targets-0-metric": "new_registrations", "targets-1-metric": "home_visits"})
    response = admin_client.post(path, data)
    assert response.status_code == 200
    assert row_errors(response, 0) == {"metric": ["unique_row"]}
    assert metrics(partnership) == [("home_visits", 12), ("new_registrations", 100)]


def test_a_removed_row_frees_its_metric_in_the_same_save(admin_client, partnership):
    path, data = change_page(
        admin_client,
        partnership,
        **{
            "targets-0-DELETE": "on",
            "targets-1-metric": "new_registrations",
            "targets-1-goal": "80",
        },
    )
    response = admin_client.post(path, data)
    assert response.status_code == 302, row_errors(response, 1)
    assert metrics(partnership) == [("new_registrations", 80)]


def test_a_row_may_take_the_metric_an_earlier_row_gives_up(admin_client, partnership):
    TargetFactory(partnership=partnership, metric="home_visits", goal=12)
    path, data = change_page(admin_client, partnership)
    # Row 0 (home visits) moves on to households housed, row 1 takes home visits.
    data.update({"targets-0-metric": "households_housed", "targets-1-metric": "home_visits"})
    response = admin_client.post(path, data)
    assert response.status_code == 302, row_errors(response, 1)
    assert metrics(partnership) == [("home_visits", 100), ("households_housed", 12)]


def test_every_inline_that_could_break_a_unique_constraint_checks_its_rows(db):
    """An editable inline of a model with a unique constraint (other than its primary key)
    validates its rows together (``UniqueRowsInlineFormSet``); a new inline must too."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True)
    unchecked, checked = [], []
    for site in all_sites:
        for model_admin in site._registry.values():
            for inline in model_admin.get_inline_instances(request, None):
                model = inline.model
                unique_checks, _ = model()._get_unique_checks(include_meta_constraints=True)
                fields = {name for _, check in unique_checks for name in check} - {
                    model._meta.pk.name
                }
                formset = inline.get_formset(request, None)
                editable = fields & set(formset.form.base_fields)
                may_write = inline.has_add_permission(
                    request, None
                ) or inline.has_change_permission(request, None)
                if not editable or not may_write:
                    continue
                name = f"{type(model_admin).__name__}.{type(inline).__name__}"
                if issubclass(formset, UniqueRowsInlineFormSet):
                    checked.append(name)
                else:
                    unchecked.append(name)
    assert "PartnershipAdmin.TargetInline" in checked
    assert not unchecked, unchecked
