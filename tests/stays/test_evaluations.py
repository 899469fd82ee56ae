"""Evaluations: opened at month 1 and at the end of the stay, lapsed, answered by each side on its
own page; a low score opens a concern; neither side reaches the other's survey; staff read free
text only where they work on the stay."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from hosts.actions import self_service_url
from matching.actions import end_match
from matching.models import Match
from newcomers.links import SESSION_KEY
from newcomers.models import HouseholdLink
from stays import actions
from stays.actions.evaluations import MONTH_1_AFTER_DAYS, OPEN_FOR_DAYS, concern_threshold
from stays.forms import EvaluationForm
from stays.models import Concern, Evaluation, EvaluationAnswer, EvaluationTransition
from stays.selectors import works_on
from stays.surveys import SCALE, SURVEYS, TEXT, YES_NO, get_survey
from tests.factories import (
    OrganisationFactory,
    moved_in_match,
    partnership_covering,
    staff_user,
)
from workflow.errors import Conflict, Invalid, NotAllowed

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "'; DROP TABLE stays_evaluation; --",
    "ﷺ" * 40,
    "مرحبا\u200c خانه",
]


@pytest.fixture
def partner():
    return OrganisationFactory(name="Mottagningen", kind="partner")


@pytest.fixture
def coordinator(partner):
    return staff_user("partner_coordinator", partner, username="samordnare")


@pytest.fixture
def stay(partner, coordinator):
    return moved_in_match(partner, coordinator=coordinator)


def month_1(stay):
    actions.open_evaluations(today=stay.move_in_date + timedelta(days=MONTH_1_AFTER_DAYS))
    return {e.respondent: e for e in Evaluation.objects.filter(match=stay, point="month_1")}


def good_answers(survey_key, score=4, text=""):
    answers = {}
    for question in get_survey(survey_key).questions:
        if question.kind == SCALE:
            answers[question.key] = score
        elif question.kind == YES_NO:
            answers[question.key] = "yes"
        elif text:
            answers[question.key] = text
    return answers


def host_client(stay):
    """A host who reads English: their pages follow the language kept on the host."""
    type(stay.home.host).objects.filter(pk=stay.home.host_id).update(language="en")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(self_service_url(stay.home.host).removeprefix(settings.SITE_URL))
    assert response.status_code == 302
    return client


def household_client(case):
    link = HouseholdLink.objects.create(case=case, expires_at=timezone.now() + timedelta(days=30))
    client = Client()
    session = client.session
    session[SESSION_KEY] = link.pk
    session.save()
    return client


def form_post(survey_key, score="4", text=""):
    return {
        key: (str(value) if not isinstance(value, str) else value)
        for key, value in good_answers(survey_key, score=int(score), text=text).items()
    }


# The surveys --------------------------------------------------------------------------------


def test_four_surveys_of_three_to_five_questions_each():
    assert set(SURVEYS) == {"household_month_1", "household_end", "host_month_1", "host_end"}
    for key, survey in SURVEYS.items():
        assert key == f"{survey.respondent}_{survey.point}"
        assert 3 <= len(survey.questions) <= 5, key
        assert survey.counted, key
        keys = [q.key for q in survey.questions]
        assert len(keys) == len(set(keys)), key
        for question in survey.questions:
            assert question.kind in (SCALE, YES_NO, TEXT)
            if question.kind == SCALE:
                assert question.low and question.high, question.key
            assert question.required == (question.kind != TEXT)


def test_the_surveys_are_translated_to_swedish():
    from django.utils import translation

    with translation.override("sv"):
        survey = SURVEYS["household_month_1"]
        assert str(survey.title) != "How is your first month?"
        assert str(survey.questions[0].low) != "Not at all well"


# Opening and lapsing --------------------------------------------------------------------------


def test_month_1_opens_thirty_days_after_the_move_in_for_both_sides(stay):
    day_before = stay.move_in_date + timedelta(days=MONTH_1_AFTER_DAYS - 1)
    assert actions.open_evaluations(today=day_before) == 0
    assert not Evaluation.objects.filter(match=stay).exists()

    opened = month_1(stay)
    assert set(opened) == {"host", "household"}
    for respondent, evaluation in opened.items():
        assert evaluation.status == "open"
        assert evaluation.survey == f"{respondent}_month_1"
        assert evaluation.opens_on == stay.move_in_date + timedelta(days=MONTH_1_AFTER_DAYS)
        assert evaluation.transitions.get().actor_kind == "system"
    # The beat runs again: nothing new.
    assert actions.open_evaluations(today=stay.move_in_date + timedelta(days=40)) == 0
    assert Evaluation.objects.filter(match=stay).count() == 2


def end_surveys(stay) -> dict:
    """The end-of-stay surveys of ``stay``, by respondent."""
    return {e.respondent: e for e in Evaluation.objects.filter(match=stay, point="end")}


def test_a_housing_company_flat_has_no_host_to_ask(stay, coordinator):
    from hosts.models import Home
    from tests.factories import UnitFactory

    Home.objects.filter(pk=stay.home_id).update(host=None, unit=UnitFactory())
    assert set(month_1(stay)) == {"household"}
    end_match(match=Match.objects.get(pk=stay.pk), user=coordinator, note="Klart.")
    stay.refresh_from_db()
    # Ending the stay opened the end survey: for the household only.
    assert list(end_surveys(stay)) == ["household"]
    assert actions.open_end_evaluations(match=stay) == []


def test_month_1_is_not_opened_for_a_stay_long_past_its_first_month(stay):
    late = stay.move_in_date + timedelta(days=MONTH_1_AFTER_DAYS + OPEN_FOR_DAYS)
    assert actions.open_evaluations(today=late) == 0


def test_the_beat_task_opens_them(stay):
    from stays import tasks

    assert "stays.tasks.open_evaluations" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert "stays.tasks.lapse_evaluations" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.localdate() + timedelta(days=MONTH_1_AFTER_DAYS)
        patch.setattr("django.utils.timezone.localdate", lambda *a: later)
        assert tasks.open_evaluations() == 2
        assert tasks.lapse_evaluations() == 0


def test_an_unanswered_survey_lapses(stay):
    evaluations = month_1(stay)
    opens_on = evaluations["host"].opens_on
    assert actions.lapse_evaluations(today=opens_on + timedelta(days=OPEN_FOR_DAYS - 1)) == 0
    actions.answer_evaluation(
        evaluation=evaluations["household"],
        answers=good_answers("household_month_1"),
        respondent="household",
        language="ar",
    )
    assert actions.lapse_evaluations(today=opens_on + timedelta(days=OPEN_FOR_DAYS)) == 1
    evaluations["host"].refresh_from_db()
    assert evaluations["host"].status == "lapsed"
    assert evaluations["host"].transitions.last().actor_kind == "system"
    assert Evaluation.objects.get(pk=evaluations["household"].pk).status == "answered"
    with pytest.raises(Conflict):
        actions.answer_evaluation(
            evaluation=evaluations["host"],
            answers=good_answers("host_month_1"),
            respondent="host",
        )


def test_the_end_of_the_stay_opens_the_end_surveys(stay, coordinator):
    evaluations = month_1(stay)
    actions.answer_evaluation(
        evaluation=evaluations["host"], answers=good_answers("host_month_1"), respondent="host"
    )
    end_match(match=stay, user=coordinator, note="Hushållet har fått egen bostad.")
    stay.refresh_from_db()
    # Ending the stay (matching.actions.end_match) opened them.
    opened = list(end_surveys(stay).values())
    assert {e.respondent for e in opened} == {"host", "household"}
    assert {e.survey for e in opened} == {"host_end", "household_end"}
    assert all(e.opens_on == stay.ended_on for e in opened)
    # The household's first-month survey, still open, lapsed; the host's answer stays.
    assert Evaluation.objects.get(pk=evaluations["household"].pk).status == "lapsed"
    assert Evaluation.objects.get(pk=evaluations["host"].pk).status == "answered"
    # Idempotent.
    assert actions.open_end_evaluations(match=stay) == []
    assert Evaluation.objects.filter(match=stay, point="end").count() == 2


def test_a_stay_without_a_move_in_gets_no_end_survey(partner, coordinator):
    from tests.factories import approved_match

    match = approved_match(partner, coordinator=coordinator)
    assert actions.open_end_evaluations(match=match) == []


# Answering ------------------------------------------------------------------------------------


def test_a_valid_answer_is_saved_with_the_respondent_as_actor(stay):
    evaluation = month_1(stay)["household"]
    actions.answer_evaluation(
        evaluation=evaluation,
        answers={**good_answers("household_month_1"), "anything_else": "  Det går bra.  "},
        respondent="household",
        language="ar",
    )
    evaluation.refresh_from_db()
    assert evaluation.status == "answered" and evaluation.language == "ar"
    assert evaluation.answered_at is not None
    answers = {a.question: (a.score, a.text) for a in evaluation.answers.all()}
    assert answers == {
        "settled": (4, ""),
        "get_on": (4, ""),
        "safe": (4, ""),
        "knows_who_to_ask": (1, ""),
        "anything_else": (None, "Det går bra."),
    }
    assert evaluation.transitions.last().actor_kind == "household"
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"settled": 0},
        {"settled": 6},
        {"settled": "4.5"},
        {"settled": True},
        {"settled": None},
        {"knows_who_to_ask": "maybe"},
        {"anything_else": "x" * 2001},
        {"anything_else": "a\x00b"},
        {"anything_else": ["a list"]},
        {"no_such_question": 3},
    ],
)
def test_an_invalid_answer_is_refused_and_nothing_is_saved(stay, change):
    evaluation = month_1(stay)["household"]
    with pytest.raises(Invalid):
        actions.answer_evaluation(
            evaluation=evaluation,
            answers={**good_answers("household_month_1"), **change},
            respondent="household",
        )
    evaluation.refresh_from_db()
    assert evaluation.status == "open"
    assert not EvaluationAnswer.objects.exists()


def test_answering_twice_is_a_conflict(stay):
    evaluation = month_1(stay)["host"]
    actions.answer_evaluation(
        evaluation=evaluation, answers=good_answers("host_month_1"), respondent="host"
    )
    with pytest.raises(Conflict):
        actions.answer_evaluation(
            evaluation=evaluation, answers=good_answers("host_month_1", score=1), respondent="host"
        )
    assert EvaluationAnswer.objects.filter(evaluation=evaluation, score=1).count() == 1  # yes
    assert EvaluationTransition.objects.filter(evaluation=evaluation).count() == 2
    assert not Concern.objects.exists()


def test_nobody_answers_for_the_other_side(stay):
    evaluations = month_1(stay)
    with pytest.raises(NotAllowed):
        actions.answer_evaluation(
            evaluation=evaluations["household"],
            answers=good_answers("household_month_1"),
            respondent="host",
        )
    with pytest.raises(NotAllowed):
        actions.answer_evaluation(
            evaluation=evaluations["host"], answers=good_answers("host_month_1"), respondent="staff"
        )


# The threshold --------------------------------------------------------------------------------


def test_a_score_below_the_default_threshold_opens_a_concern_that_reveals_no_answers(stay):
    evaluation = month_1(stay)["host"]
    answers = {**good_answers("host_month_1"), "get_on": 2, "anything_else": "Hemligt ord"}
    actions.answer_evaluation(evaluation=evaluation, answers=answers, respondent="host")
    concern = Concern.objects.get()
    assert concern.evaluation == evaluation and concern.match == stay
    assert concern.raised_by == "evaluation" and concern.status == "opened"
    assert concern.transitions.get().actor_kind == "host"
    assert "Hemligt ord" not in concern.text
    assert "2" not in concern.text
    for question in get_survey("host_month_1").questions:
        assert str(question.text) not in concern.text


def test_a_score_at_the_threshold_opens_none(stay):
    evaluation = month_1(stay)["household"]
    answers = {**good_answers("household_month_1", score=3)}
    actions.answer_evaluation(evaluation=evaluation, answers=answers, respondent="household")
    assert not Concern.objects.exists()


def test_a_low_score_on_a_question_that_does_not_count_opens_none(stay, coordinator):
    end_match(match=stay, user=coordinator, note="Klart.")
    stay.refresh_from_db()
    evaluation = end_surveys(stay)["host"]
    not_counted = [q for q in get_survey("host_end").questions if q.kind == SCALE and not q.counts]
    assert not_counted
    answers = {**good_answers("host_end"), not_counted[0].key: 1}
    actions.answer_evaluation(evaluation=evaluation, answers=answers, respondent="host")
    assert not Concern.objects.exists()


def test_an_ended_stay_gets_no_concern_from_its_end_survey(stay, coordinator):
    end_match(match=stay, user=coordinator, note="Klart.")
    stay.refresh_from_db()
    evaluation = end_surveys(stay)["household"]
    actions.answer_evaluation(
        evaluation=evaluation,
        answers=good_answers("household_end", score=1),
        respondent="household",
    )
    assert Evaluation.objects.get(pk=evaluation.pk).status == "answered"
    assert not Concern.objects.exists()


def test_the_partnership_sets_the_threshold(stay, partner):
    partnership = partnership_covering(partner, evaluation_concern_below=0)
    assert concern_threshold(stay) == 0
    evaluation = month_1(stay)["household"]
    actions.answer_evaluation(
        evaluation=evaluation,
        answers=good_answers("household_month_1", score=1),
        respondent="household",
    )
    assert not Concern.objects.exists()

    partnership.evaluation_concern_below = 5
    partnership.save()
    host = Evaluation.objects.get(match=stay, respondent="host")
    actions.answer_evaluation(
        evaluation=host, answers=good_answers("host_month_1", score=4), respondent="host"
    )
    assert Concern.objects.get().evaluation == host


def test_another_partners_partnership_does_not_set_it(stay):
    partnership_covering(OrganisationFactory(kind="partner"), evaluation_concern_below=0)
    assert concern_threshold(stay) == 3


# The pages ------------------------------------------------------------------------------------


def test_the_host_answers_on_their_own_page(stay):
    month_1(stay)
    client = host_client(stay)
    page = client.get("/my-offer/")
    assert b"/my-offer/evaluation/month-1/" in page.content
    page = client.get("/my-offer/evaluation/month-1/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<fieldset" in html and "<legend" in html
    assert "Not at all well" in html and "Very well" in html
    assert page["Cache-Control"].count("no-store")

    # A missing answer: the page again, with what was typed.
    data = form_post("host_month_1", text="Allt är bra hos oss")
    del data["going"]
    page = client.post("/my-offer/evaluation/month-1/", data)
    assert page.status_code == 400
    html = page.content.decode()
    assert "Allt är bra hos oss" in html
    assert re.search(r'<input type="radio" name="get_on" value="4"[^>]*checked', html)
    assert 'href="#q-going"' in html

    page = client.post("/my-offer/evaluation/month-1/", form_post("host_month_1", text="Bra"))
    assert page.status_code == 302 and page.url == "/my-offer/"
    evaluation = Evaluation.objects.get(match=stay, respondent="host")
    assert evaluation.status == "answered" and evaluation.language == "en"
    # The link is gone; the page says it is answered; a second post changes nothing.
    assert b"/my-offer/evaluation/month-1/" not in client.get("/my-offer/").content
    page = client.post("/my-offer/evaluation/month-1/", form_post("host_month_1", score=1))
    assert page.status_code == 200
    assert b"You have answered this survey" in page.content
    assert not EvaluationAnswer.objects.filter(score=1, question="going").exists()


def test_the_household_answers_on_its_own_page_in_its_language(stay):
    stay.case.language = "sv"
    stay.case.save(update_fields=["language"])
    month_1(stay)
    client = household_client(stay.case)
    page = client.get("/household/evaluation/month-1/")
    assert page.status_code == 200
    assert page["Content-Language"] == "sv"
    assert '<html lang="sv"' in page.content.decode()
    page = client.post(
        "/household/evaluation/month-1/", form_post("household_month_1", text="Tack!")
    )
    assert page.status_code == 302
    evaluation = Evaluation.objects.get(match=stay, respondent="household")
    assert evaluation.status == "answered" and evaluation.language == "sv"
    assert evaluation.transitions.last().actor_kind == "household"
    page = client.get(page.url)
    assert page.status_code == 200


def test_neither_side_reaches_the_others_survey(stay, partner, coordinator):
    month_1(stay)
    host = host_client(stay)
    household = household_client(stay.case)
    # The host's session has no household link; the household's session is no host's.
    assert host.get("/household/evaluation/month-1/").status_code == 404
    assert household.get("/my-offer/evaluation/month-1/").status_code == 302  # "send my link"
    # Another household's link does not open this stay's survey; nor another host's session.
    other = moved_in_match(partner, coordinator=coordinator)
    assert household_client(other.case).get("/household/evaluation/month-1/").status_code == 404
    assert host_client(other).get("/my-offer/evaluation/month-1/").status_code == 404
    # A point that does not exist.
    assert household.get("/household/evaluation/week-1/").status_code == 404
    # The household's own page never shows what the host answered.
    actions.answer_evaluation(
        evaluation=Evaluation.objects.get(match=stay, respondent="host"),
        answers={**good_answers("host_month_1"), "anything_else": "Värdens hemliga svar"},
        respondent="host",
    )
    html = household.get("/household/evaluation/month-1/").content.decode()
    assert "Värdens hemliga svar" not in html
    html = host.get("/my-offer/evaluation/month-1/").content.decode()
    assert "Värdens hemliga svar" not in html  # not even the host's own text is shown again


def test_the_end_surveys_have_their_own_pages(stay, coordinator):
    from django.urls import reverse

    end_match(match=stay, user=coordinator, note="Klart.")
    stay.refresh_from_db()
    actions.open_end_evaluations(match=stay)
    host, household = host_client(stay), household_client(stay.case)
    host_path = reverse("stays:host_evaluation", kwargs={"point": "end"})
    household_path = reverse("stays:household_evaluation", kwargs={"point": "end"})
    assert host_path == "/my-offer/evaluation/end/"
    assert b"How was it to be a host?" in host.get(host_path).content
    assert household.get(household_path).status_code == 200
    # No first-month survey was ever opened for this stay.
    assert host.get("/my-offer/evaluation/month-1/").status_code == 404
    page = household.post(household_path, form_post("household_end", score="1"))
    assert page.status_code == 302
    assert Evaluation.objects.get(match=stay, respondent="household", point="end").status == (
        "answered"
    )


def test_a_revoked_link_does_not_open_the_survey(stay):
    month_1(stay)
    client = household_client(stay.case)
    HouseholdLink.objects.update(revoked_at=timezone.now())
    page = client.get("/household/evaluation/month-1/")
    assert page.status_code == 410  # the friendly "this link does not work" page
    assert b"<form" not in page.content or b'name="settled"' not in page.content


def test_the_household_start_page_leads_to_the_survey_open_now(stay):
    client = household_client(stay.case)
    # No survey yet: a page that says so.
    page = client.get("/household/evaluation/")
    assert page.status_code == 200 and b'name="settled"' not in page.content
    assert b'href="/household/evaluation/"' in client.get("/household/").content
    evaluations = month_1(stay)
    page = client.get("/household/evaluation/")
    assert page.status_code == 200 and b'name="settled"' in page.content
    page = client.post("/household/evaluation/", form_post("household_month_1"))
    assert page.status_code == 302
    assert Evaluation.objects.get(pk=evaluations["household"].pk).status == "answered"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_free_text_is_kept_as_text(stay, coordinator, hostile):
    month_1(stay)
    client = household_client(stay.case)
    page = client.post(
        "/household/evaluation/month-1/", form_post("household_month_1", text=hostile)
    )
    assert page.status_code == 302
    saved = EvaluationAnswer.objects.get(question="anything_else")
    assert saved.text == hostile.strip()
    # In the admin it is shown escaped, never run.
    from tests.security.test_permission_matrix import verified

    admin = Client()
    verified(admin, coordinator)
    page = admin.get(f"/admin/stays/evaluation/{saved.evaluation_id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert settings.SECRET_KEY not in html


@pytest.mark.parametrize("invisible", ["\u202eevil", "a\x00b", "\x1b[31m"])
def test_text_with_invisible_controls_is_refused_with_a_message(stay, invisible):
    month_1(stay)
    client = household_client(stay.case)
    page = client.post(
        "/household/evaluation/month-1/", form_post("household_month_1", text=invisible)
    )
    assert page.status_code == 400
    assert Evaluation.objects.get(match=stay, respondent="household").status == "open"
    assert not EvaluationAnswer.objects.exists()


def test_the_hostile_text_with_an_error_comes_back_escaped(stay):
    month_1(stay)
    client = household_client(stay.case)
    data = form_post("household_month_1", text='"><script>alert(1)</script>')
    del data["safe"]
    page = client.post("/household/evaluation/month-1/", data)
    assert page.status_code == 400
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("language", "low", "high"),
    [("en", "Not at all well", "Very well"), ("sv", "Inte alls bra", "Mycket bra")],
)
def test_the_form_draws_the_survey(language, low, high):
    from django.utils import translation

    with translation.override(language):
        form = EvaluationForm(survey=SURVEYS["household_month_1"])
        choices = [(value, str(label)) for value, label in form.fields["settled"].choices]
    assert list(form.fields) == [q.key for q in SURVEYS["household_month_1"].questions]
    assert [c[0] for c in choices] == [1, 2, 3, 4, 5]
    assert choices[0][1] == f"1 – {low}" and choices[-1][1] == f"5 – {high}"
    assert not form.fields["anything_else"].required


# Staff ------------------------------------------------------------------------------------------


def admin_client(user):
    from tests.security.test_permission_matrix import verified

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    verified(client, user)
    return client


@pytest.fixture
def answered(stay):
    evaluation = month_1(stay)["household"]
    actions.answer_evaluation(
        evaluation=evaluation,
        answers={**good_answers("household_month_1"), "anything_else": "Vi trivs med värden."},
        respondent="household",
    )
    return evaluation


def test_the_partners_coordinator_reads_the_free_text(answered, coordinator):
    page = admin_client(coordinator).get(f"/admin/stays/evaluation/{answered.pk}/change/")
    assert page.status_code == 200
    assert "Vi trivs med värden." in page.content.decode()
    assert works_on(coordinator, answered)


def test_another_partners_coordinator_does_not_find_it(answered):
    other = staff_user("partner_coordinator", OrganisationFactory(kind="partner"))
    client = admin_client(other)
    assert client.get(f"/admin/stays/evaluation/{answered.pk}/change/").status_code == 404
    assert b"Vi trivs" not in client.get("/admin/stays/evaluation/").content
    assert not Evaluation.objects.visible_to(other).exists()
    assert not works_on(other, answered)


def test_the_officer_sees_the_scores_but_not_the_free_text(answered, organisations):
    officer = staff_user("data_protection_officer", organisations["volunteers"])
    page = admin_client(officer).get(f"/admin/stays/evaluation/{answered.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Vi trivs med värden." not in html
    assert "4 of 5" in html
    assert not works_on(officer, answered)


def test_a_manager_does_not_open_evaluations(answered, partner):
    manager = staff_user("manager", partner)
    client = admin_client(manager)
    assert client.get(f"/admin/stays/evaluation/{answered.pk}/change/").status_code in (403, 404)
    assert client.get("/admin/stays/evaluation/").status_code == 403


def test_erasing_the_host_empties_their_words_and_keeps_the_household_s(stay):
    from hosts.actions import erase_host

    evaluations = month_1(stay)
    actions.answer_evaluation(
        evaluation=evaluations["host"],
        answers={**good_answers("host_month_1"), "anything_else": "Mitt namn är Anna."},
        respondent="host",
    )
    actions.answer_evaluation(
        evaluation=evaluations["household"],
        answers={**good_answers("household_month_1"), "anything_else": "Tack."},
        respondent="household",
    )
    erase_host(host=stay.home.host)
    host_answers = EvaluationAnswer.objects.filter(evaluation=evaluations["host"])
    assert not host_answers.exclude(text="").exists()
    assert host_answers.filter(score=4).count() == 3  # the scores stay, for the figures
    assert (
        EvaluationAnswer.objects.get(
            evaluation=evaluations["household"], question="anything_else"
        ).text
        == "Tack."
    )


def test_the_home_s_local_group_works_on_a_private_home_s_stay(
    volunteer_coordinator, partner, coordinator
):
    stay = moved_in_match(partner, coordinator=coordinator)
    assert stay.home.unit_id is None
    assert stay.home.local_group_id == volunteer_coordinator.local_group_id
    evaluation = month_1(stay)["household"]
    assert works_on(volunteer_coordinator, evaluation)
    assert evaluation in Evaluation.objects.visible_to(volunteer_coordinator)
    from tests.factories import local_group

    elsewhere = local_group(volunteer_coordinator.organisation, name="Annan grupp")
    other = staff_user(
        "volunteer_coordinator", volunteer_coordinator.organisation, local_group=elsewhere
    )
    assert not works_on(other, evaluation)
    assert not Evaluation.objects.visible_to(other).exists()


def test_the_home_s_group_s_volunteer_coordinator_opens_it_in_the_admin(
    volunteer_coordinator, partner, coordinator
):
    from tests.factories import local_group

    stay = moved_in_match(partner, coordinator=coordinator)
    evaluation = month_1(stay)["household"]
    actions.answer_evaluation(
        evaluation=evaluation,
        answers={**good_answers("household_month_1"), "anything_else": "Vi trivs med värden."},
        respondent="household",
    )
    client = admin_client(volunteer_coordinator)
    page = client.get(f"/admin/stays/evaluation/{evaluation.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Vi trivs med värden." in html and "4 of 5" in html
    assert client.get("/admin/stays/evaluation/").status_code == 200
    # Read-only: nothing to change.
    assert client.post(f"/admin/stays/evaluation/{evaluation.pk}/change/", {}).status_code == 403
    # Another group's volunteer coordinator does not find it.
    elsewhere = local_group(volunteer_coordinator.organisation, name="Annan grupp")
    other = staff_user(
        "volunteer_coordinator", volunteer_coordinator.organisation, local_group=elsewhere
    )
    response = admin_client(other).get(f"/admin/stays/evaluation/{evaluation.pk}/change/")
    assert response.status_code == 404
