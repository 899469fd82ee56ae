"""A home's way through the workflow as the host and the staff notice it: pauses that resume where
they were, e-mails in the host's own language, a history nobody can rewrite, and the diagram."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from hosts.actions import erase_host, refer_home, transition_home
from hosts.models import Home, HomeTransition
from hosts.workflow import HOME_WORKFLOW
from housing.workflow import VACANCY_WORKFLOW
from matching.actions import approve_match, end_match, propose_match, record_move_in
from matching.models import MatchTransition
from matching.workflow import MATCH_WORKFLOW
from matching_portal import formatting
from newcomers.models import CaseTransition
from newcomers.workflow import CASE_WORKFLOW
from notifications.models import OutboundEmail
from reports.workflow import REPORT_RUN_WORKFLOW
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    partnership_covering,
    referred_home,
    said_yes,
)
from volunteers.workflow import APPLICATION_WORKFLOW, VISIT_WORKFLOW
from work.workflow import PLACEMENT_WORKFLOW
from workflow.models import ActorKind

pytestmark = pytest.mark.django_db

S = Home.Status
# Today: a move-in is recorded on its day (a later date is a planned move-in).
MOVE_IN = timezone.localdate()
SUBJECTS = [
    "Your offer has gone to the municipality",
    "A household has been matched with your home",
    "The move-in date is set",
    "The stay in your home has ended",
]


def put_in(home: Home, stage: str) -> Home:
    """Test set-up: the home as if it had got to ``stage``."""
    Home.objects.filter(pk=home.pk).update(status=stage)
    home.refresh_from_db()
    return home


def stages(home: Home) -> list[tuple[str, str]]:
    return list(home.transitions.values_list("from_state", "to_state"))


@pytest.mark.parametrize("actor", ["host", "volunteer"])
def test_a_paused_home_resumes_at_the_stage_it_was_paused_from(actor, volunteer):
    who = {"actor_kind": ActorKind.HOST} if actor == "host" else {"user": volunteer}
    home = put_in(HomeFactory(), S.CONTACTED)

    transition_home(home=home, name="pause", **who)
    assert home.status == S.PAUSED
    transition_home(home=home, name="resume", **who)
    assert home.status == S.CONTACTED

    # A later pause remembers the later stage, not the first one.
    put_in(home, S.VISITED)
    transition_home(home=home, name="pause", **who)
    transition_home(home=home, name="resume", **who)
    home.refresh_from_db()
    assert home.status == S.VISITED
    assert stages(home)[-4:] == [
        (S.CONTACTED, S.PAUSED),
        (S.PAUSED, S.CONTACTED),
        (S.VISITED, S.PAUSED),
        (S.PAUSED, S.VISITED),
    ]


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def refer_match_move_in_and_end(*, home, partner, coordinator, volunteer_coordinator, capture):
    """The whole life of an offer, each step in its own transaction as in the admin."""
    put_in(home, S.VISITED)
    partnership_covering(partner)  # in Östersund, where the home is
    with capture(execute=True):
        refer_home(home=home, partner=partner, user=volunteer_coordinator)
    case = NewcomerCaseFactory(partner=partner)
    with capture(execute=True):
        match = propose_match(home=home, case=case, user=coordinator)
        approve_match(match=said_yes(match, coordinator), user=coordinator)
    with capture(execute=True):
        record_move_in(match=match, user=coordinator, move_in_date=MOVE_IN)
    with capture(execute=True):
        end_match(match=match, user=coordinator, note="The household found a flat.")
    home.refresh_from_db()
    assert home.status == S.REFERRED
    return match


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_host_hears_of_referral_match_move_in_and_end_in_their_own_language(
    language,
    organisations,
    coordinator,
    volunteer_coordinator,
    django_capture_on_commit_callbacks,
):
    home = HomeFactory(host__language=language, host__email="vard@example.org")

    refer_match_move_in_and_end(
        home=home,
        partner=organisations["partner"],
        coordinator=coordinator,
        volunteer_coordinator=volunteer_coordinator,
        capture=django_capture_on_commit_callbacks,
    )

    assert [m.subject for m in mail.outbox] == [in_language(language, s) for s in SUBJECTS]
    assert all(m.to == ["vard@example.org"] for m in mail.outbox)
    if language == "sv":
        # Spelled out, so that a missing catalogue cannot pass for a translated one.
        assert mail.outbox[0].subject == "Ditt erbjudande har gått vidare till kommunen"
        months = "jan. feb. mars apr. maj juni juli aug. sep. okt. nov. dec."
        day = f"{MOVE_IN.day}\xa0{months.split()[MOVE_IN.month - 1]} {MOVE_IN.year}"
        assert day in mail.outbox[2].body
    else:
        with translation.override("en"):
            assert formatting.day(MOVE_IN) in mail.outbox[2].body
            assert f"{MOVE_IN.day}\xa0{MOVE_IN:%b} {MOVE_IN.year}" in mail.outbox[2].body
    assert home.host.name in mail.outbox[0].body


def test_an_erased_host_gets_no_more_e_mail(
    organisations, coordinator, django_capture_on_commit_callbacks
):
    partner = organisations["partner"]
    home = referred_home(partner, host__language="en")
    case = NewcomerCaseFactory(partner=partner)
    with django_capture_on_commit_callbacks(execute=True):
        match = propose_match(home=home, case=case, user=coordinator)
        approve_match(match=said_yes(match, coordinator), user=coordinator)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        erase_host(host=home.host)
    home.refresh_from_db()
    assert home.status == S.MATCHED  # a matched home is not withdrawn by the erasure

    with django_capture_on_commit_callbacks(execute=True):
        record_move_in(match=match, user=coordinator, move_in_date=MOVE_IN)
        end_match(match=match, user=coordinator, note="Värden vill inte längre.")

    assert len(mail.outbox) == 1
    assert not OutboundEmail.objects.exists()  # the erasure removed the one that was sent


@pytest.mark.parametrize(
    ("log_model", "make"),
    [
        (HomeTransition, lambda: HomeFactory().transitions.get()),
        (CaseTransition, lambda: NewcomerCaseFactory().transitions.get()),
    ],
    ids=["home", "case"],
)
def test_the_history_cannot_be_changed_or_deleted(log_model, make):
    record = make()
    record.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        record.save()
    with pytest.raises(ValueError, match="append-only"):
        record.delete()
    assert log_model.objects.get(pk=record.pk).reason == ""


def test_the_history_of_a_match_cannot_be_changed_either(organisations, coordinator):
    partner = organisations["partner"]
    match = propose_match(
        home=referred_home(partner), case=NewcomerCaseFactory(partner=partner), user=coordinator
    )
    record = match.transitions.get()
    assert (record.from_state, record.to_state, record.actor) == ("", "proposed", coordinator)
    with pytest.raises(ValueError, match="append-only"):
        record.save()
    with pytest.raises(ValueError, match="append-only"):
        record.delete()
    assert MatchTransition.objects.filter(pk=record.pk).exists()


def edges(workflow) -> list[str]:
    lines = []
    for t in workflow.transitions.values():
        for source in t.sources:
            for target in (t.target,) if t.target else t.returns_to:
                lines.append(f"{source} --> {target}: {t.name}")
    return lines


def test_the_diagram_is_drawn_from_the_tables_and_the_committed_one_is_current(tmp_path):
    output = tmp_path / "docs" / "workflow.md"
    call_command("workflow_diagram", output=str(output), stdout=io.StringIO())

    text = output.read_text(encoding="utf-8")
    drawn = (
        HOME_WORKFLOW,
        CASE_WORKFLOW,
        MATCH_WORKFLOW,
        VISIT_WORKFLOW,
        APPLICATION_WORKFLOW,
        VACANCY_WORKFLOW,
        REPORT_RUN_WORKFLOW,
        PLACEMENT_WORKFLOW,
    )
    assert text.count("```mermaid\nstateDiagram-v2") == len(drawn)
    for workflow in drawn:
        for initial in (workflow.initial, *workflow.also_initial):
            assert f"[*] --> {initial}" in text
        for name in workflow.transitions:
            assert f": {name}" in text, f"{workflow.name}: {name} is not drawn"
        for edge in edges(workflow):
            assert edge in text
    committed = Path(settings.BASE_DIR) / "docs" / "workflow.md"
    assert committed.read_text(encoding="utf-8") == text, (
        "docs/workflow.md is out of date: run `python manage.py workflow_diagram`"
    )


def test_the_readme_shows_the_current_home_diagram():
    from workflow.management.commands.workflow_diagram import with_home_diagram

    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert "stateDiagram-v2" in readme
    assert with_home_diagram(readme) == readme, (
        "README.md's diagram is out of date: run `python manage.py workflow_diagram`"
    )
