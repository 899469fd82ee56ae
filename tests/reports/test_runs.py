"""Report runs: requested on the page by a manager, produced by Celery (eager here), downloaded by
the managers of the partnership's parties only (each download logged); a failure is written on the
run and shown; the year-end report comes by itself once the period has ended, and its managers get
an e-mail in their own language."""

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from matching_portal.celery import app as celery_app
from notifications.models import OutboundEmail
from reports import actions, tasks
from reports.models import ReportDownload, ReportRun
from tests.factories import PartnershipFactory, home_with_history, staff_user

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def partnership(organisations, media):
    """A partnership that started 150 days ago and ends in 30 days, with a few homes."""
    today = timezone.localdate()
    partnership = PartnershipFactory(
        name="Värdskap Östersund",
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        housing_company=organisations["housing"],
        period_start=today - timedelta(days=150),
        period_end=today + timedelta(days=30),
    )
    for days_in in (20, 50, 51, 110):
        day = partnership.period_start + timedelta(days=days_in)
        registered = datetime.combine(day, time(12), tzinfo=STOCKHOLM)
        home_with_history(registered, [("contacted", registered + timedelta(days=2))])
    return partnership


@pytest.fixture
def managers(organisations):
    """A manager of each party (Swedish, English, Swedish) and one of an organisation that is not
    a party of the partnership."""
    return {
        "volunteers": staff_user(
            "manager", organisations["volunteers"], username="chef_vol", language="sv"
        ),
        "partner": staff_user(
            "manager", organisations["partner"], username="chef_partner", language="en"
        ),
        "housing": staff_user(
            "manager", organisations["housing"], username="chef_bostad", language="sv"
        ),
        "outsider": staff_user(
            "manager", organisations["other_partner"], username="chef_granne", language="sv"
        ),
    }


def request_on_the_page(client, user, partnership, capture, *, kind="interim", language="en"):
    client.force_login(user)
    with capture(execute=True):
        response = client.post(
            reverse("reports:request", args=[partnership.pk]), {"kind": kind, "language": language}
        )
    return response


def download(client, run, file_kind):
    return client.get(reverse(f"reports:download_{file_kind}", args=[run.pk]))


@pytest.mark.django_db
def test_a_manager_requests_a_report_and_every_partys_manager_downloads_it(
    client, partnership, managers, django_capture_on_commit_callbacks
):
    response = request_on_the_page(
        client, managers["partner"], partnership, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert response.url == reverse("reports:partnership", args=[partnership.pk])

    run = ReportRun.objects.get()
    assert (run.kind, run.language, run.requested_by) == ("interim", "en", managers["partner"])
    assert run.status == ReportRun.Status.DONE and run.progress == 100
    assert run.as_of == min(timezone.localdate(), partnership.period_end)
    assert run.started_at <= run.finished_at

    before = timezone.now()
    for party in ("volunteers", "partner", "housing"):
        client.force_login(managers[party])
        pdf = download(client, run, "pdf")
        assert pdf.status_code == 200, party
        assert pdf["Content-Type"] == "application/pdf"
        assert "attachment" in pdf["Content-Disposition"]
        assert pdf["Cache-Control"] == "no-store"
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")
        xlsx = download(client, run, "xlsx")
        assert xlsx.status_code == 200, party
        assert b"".join(xlsx.streaming_content).startswith(b"PK")  # a zip: the XLSX
        assert xlsx["Content-Disposition"].endswith('.xlsx"')

    log = list(ReportDownload.objects.order_by("downloaded_at", "pk"))
    assert [(entry.user, entry.file_kind) for entry in log] == [
        (managers[party], kind)
        for party in ("volunteers", "partner", "housing")
        for kind in ("pdf", "xlsx")
    ]
    assert all(before <= entry.downloaded_at <= timezone.now() for entry in log)
    assert all(entry.run == run for entry in log)


@pytest.mark.django_db
def test_others_get_no_file(
    client, partnership, managers, coordinator, volunteer, django_capture_on_commit_callbacks
):
    request_on_the_page(
        client, managers["volunteers"], partnership, django_capture_on_commit_callbacks
    )
    run = ReportRun.objects.get(status=ReportRun.Status.DONE)

    # A manager of an organisation that is not a party: the partnership does not exist for them.
    client.force_login(managers["outsider"])
    for file_kind in ("pdf", "xlsx"):
        assert download(client, run, file_kind).status_code == 404
    assert client.get(reverse("reports:partnership", args=[partnership.pk])).status_code == 404
    response = request_on_the_page(
        client, managers["outsider"], partnership, django_capture_on_commit_callbacks
    )
    assert response.status_code == 404

    # The partner's coordinator follows the partnership but neither requests nor downloads.
    client.force_login(coordinator)
    assert client.get(reverse("reports:partnership", args=[partnership.pk])).status_code == 200
    for file_kind in ("pdf", "xlsx"):
        assert download(client, run, file_kind).status_code in (403, 404)
    response = request_on_the_page(
        client, coordinator, partnership, django_capture_on_commit_callbacks
    )
    assert response.status_code in (403, 404)

    # A volunteer sees nothing of it.
    client.force_login(volunteer)
    assert download(client, run, "pdf").status_code in (403, 404)
    assert client.get(reverse("reports:partnership", args=[partnership.pk])).status_code in (
        403,
        404,
    )

    assert ReportRun.objects.count() == 1
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_log_in(
    client, partnership, managers, django_capture_on_commit_callbacks
):
    request_on_the_page(
        client, managers["partner"], partnership, django_capture_on_commit_callbacks
    )
    run = ReportRun.objects.get()
    client.logout()
    login = reverse("login")
    for url in (
        reverse("reports:partnerships"),
        reverse("reports:partnership", args=[partnership.pk]),
        reverse("reports:runs", args=[partnership.pk]),
        reverse("reports:download_pdf", args=[run.pk]),
        reverse("reports:download_xlsx", args=[run.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(login + "?next="), (url, response.url)
    response = client.post(
        reverse("reports:request", args=[partnership.pk]), {"kind": "interim", "language": "sv"}
    )
    assert response.status_code == 302 and response.url.startswith(login)
    assert ReportRun.objects.count() == 1
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
def test_producing_a_run_that_is_done_changes_nothing(
    partnership, managers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.request_report(
            partnership=partnership, user=None, kind="year_end", language="en"
        )
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE
    before = ReportRun.objects.values().get(pk=run.pk)
    pdf_bytes = run.pdf.read()
    emails = OutboundEmail.objects.count()
    assert emails == 3  # the three parties' managers

    with django_capture_on_commit_callbacks(execute=True):
        again = actions.produce_report(run_id=run.pk)
        tasks.produce_report_task.delay(run.pk)

    assert again.pk == run.pk
    assert ReportRun.objects.values().get(pk=run.pk) == before
    assert ReportRun.objects.get(pk=run.pk).pdf.read() == pdf_bytes
    assert OutboundEmail.objects.count() == emails  # nobody is told twice
    assert len(list((settings.MEDIA_ROOT / "reports").rglob("*.pdf"))) == 1


@pytest.mark.django_db
def test_a_failing_run_is_marked_failed_with_its_reason_on_the_page(
    english, partnership, managers, django_capture_on_commit_callbacks
):
    broken = mock.patch(
        "reports.documents.render_pdf", side_effect=RuntimeError("the PDF engine fell over")
    )
    with broken:
        response = request_on_the_page(
            english, managers["partner"], partnership, django_capture_on_commit_callbacks
        )
    assert response.status_code == 302

    run = ReportRun.objects.get()
    assert run.status == ReportRun.Status.FAILED
    assert run.error == "RuntimeError: the PDF engine fell over"
    assert run.finished_at is not None
    assert not run.pdf and not run.xlsx

    page = english.get(reverse("reports:partnership", args=[partnership.pk]))
    html = page.content.decode()
    assert "Failed" in html
    assert "RuntimeError: the PDF engine fell over" in html
    assert reverse("reports:download_pdf", args=[run.pk]) not in html
    assert download(english, run, "pdf").status_code == 404

    # Asking again, with the engine mended, produces it.
    request_on_the_page(
        english, managers["partner"], partnership, django_capture_on_commit_callbacks
    )
    assert ReportRun.objects.filter(status=ReportRun.Status.DONE).count() == 1


@pytest.mark.django_db
def test_the_year_end_report_comes_by_itself_once(
    partnership, managers, django_capture_on_commit_callbacks
):
    period_end = partnership.period_end

    # Not on the last day of the period, nor before.
    for today in (period_end - timedelta(days=30), period_end):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.produce_due_year_end_reports(today=today) == []
    assert not ReportRun.objects.exists()
    assert not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        runs = actions.produce_due_year_end_reports(today=period_end + timedelta(days=1))

    assert len(runs) == 1
    run = ReportRun.objects.get()
    assert run.pk == runs[0].pk
    assert (run.kind, run.as_of, run.requested_by) == ("year_end", period_end, None)
    assert run.status == ReportRun.Status.DONE
    assert run.pdf and run.xlsx

    # Each manager of a party is told, in their own language, with a link to the partnership.
    link = settings.SITE_URL + reverse("reports:partnership", args=[partnership.pk])
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {managers[p].email for p in ("volunteers", "partner", "housing")}
    for party in ("volunteers", "partner", "housing"):
        message = sent[managers[party].email]
        assert link in message.body
        assert partnership.name in message.subject
    assert sent[managers["partner"].email].body.startswith("Hello ")  # English
    assert "The year-end report" in sent[managers["partner"].email].subject
    for party in ("volunteers", "housing"):  # Swedish
        assert sent[managers[party].email].body.startswith("Hej ")
        assert "Hem för nyanlända" in sent[managers[party].email].body
    assert {e.language for e in OutboundEmail.objects.all()} == {"sv", "en"}
    assert managers["outsider"].email not in sent

    # Next hour, next day: nothing new.
    mail.outbox.clear()
    for days in (1, 2, 40):
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                actions.produce_due_year_end_reports(today=period_end + timedelta(days=days)) == []
            )
    assert ReportRun.objects.count() == 1
    assert not mail.outbox


@pytest.mark.django_db
def test_the_schedule_queues_again_a_run_the_broker_never_got(
    partnership, managers, django_capture_on_commit_callbacks
):
    stale = ReportRun.objects.create(
        partnership=partnership,
        as_of=timezone.localdate(),
        created_at=timezone.now() - timedelta(minutes=11),
    )
    fresh = ReportRun.objects.create(partnership=partnership, as_of=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        actions.produce_due_year_end_reports(today=partnership.period_end)
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == ReportRun.Status.DONE
    assert fresh.status == ReportRun.Status.QUEUED  # may still be on its way


@pytest.fixture
def ended(organisations, media):
    """A partnership whose period ended ten days ago."""
    today = timezone.localdate()
    return PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        period_start=today - timedelta(days=300),
        period_end=today - timedelta(days=10),
    )


@pytest.mark.django_db
def test_a_manager_asking_for_the_year_end_report_again_reruns_the_same_one(
    client, ended, managers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.produce_due_year_end_reports()
    first = ReportRun.objects.get()
    assert (first.kind, first.as_of, first.status) == ("year_end", ended.period_end, "done")
    request_on_the_page(
        client, managers["partner"], ended, django_capture_on_commit_callbacks, kind="year_end"
    )
    assert ReportRun.objects.filter(kind="year_end").count() == 1
    run = ReportRun.objects.get()
    assert run.pk == first.pk and run.status == ReportRun.Status.DONE
    assert run.requested_by == managers["partner"]


@pytest.mark.django_db
def test_the_year_end_report_cannot_be_asked_for_before_the_period_ends(
    english, partnership, managers, django_capture_on_commit_callbacks
):
    """Made early, the one year-end report would stop at that day, and the schedule would not
    make it again when the period ends."""
    assert timezone.localdate() <= partnership.period_end
    response = request_on_the_page(
        english,
        managers["partner"],
        partnership,
        django_capture_on_commit_callbacks,
        kind="year_end",
    )
    assert response.status_code == 302
    assert not ReportRun.objects.exists()
    page = english.get(response.url).content.decode()
    assert "The year-end report can be produced once the period has ended." in page
    # An interim report can be had at any time.
    request_on_the_page(
        english, managers["partner"], partnership, django_capture_on_commit_callbacks
    )
    assert ReportRun.objects.get().kind == "interim"


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_registered_task(
    organisations, media, django_capture_on_commit_callbacks
):
    schedule = settings.CELERY_BEAT_SCHEDULE
    names = {entry["task"] for entry in schedule.values()}
    assert "reports.tasks.produce_due_year_end_reports" in names

    celery_app.loader.import_default_modules()  # as a worker does when it starts
    assert "reports.tasks.produce_due_year_end_reports" in celery_app.tasks
    assert "reports.tasks.produce_report_task" in celery_app.tasks
    # Every minute, a run whose worker was lost is failed and queued again.
    sweep = next(e for e in schedule.values() if e["task"].endswith("sweep_stuck_report_runs"))
    assert sweep["schedule"] == 60.0
    assert "reports.tasks.sweep_stuck_report_runs" in celery_app.tasks

    # The task itself, as beat sends it (no arguments): today is after this partnership's end.
    ended = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        period_start=timezone.localdate() - timedelta(days=300),
        period_end=timezone.localdate() - timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = celery_app.tasks["reports.tasks.produce_due_year_end_reports"].delay()
    assert result.get() == 1
    assert ReportRun.objects.get().partnership == ended


# A lost worker: the schedule's sweep, the attempts, the copies the broker delivers again -------


@pytest.fixture
def stand_in_documents():
    """The documents themselves are tested above; here they are quick stand-ins."""
    with (
        mock.patch("reports.documents.render_pdf", return_value=b"%PDF-1.4 test"),
        mock.patch("reports.documents.render_xlsx", return_value=b"PK test"),
    ):
        yield


def lose_the_worker(run, *, task_id, minutes_ago):
    """The task starts producing the run and its process dies while it renders the PDF (the OOM
    killer, SIGKILL: nothing after that runs), ``minutes_ago``."""
    with (
        mock.patch("reports.documents.render_pdf", side_effect=SystemExit("killed")),
        pytest.raises(SystemExit),
    ):
        actions.produce_report(run_id=run.pk, task_id=task_id)
    ReportRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    run.refresh_from_db()
    assert (run.status, run.progress) == (ReportRun.Status.RUNNING, 40)
    return run


def steps(run):
    return list(run.transitions.order_by("created_at", "pk").values_list("from_state", "to_state"))


LIMIT_REASON_EN = (
    "The report was not finished within 10 minutes: the process producing it stopped or was "
    "stopped (for example when the server ran out of memory)."
)


@pytest.mark.django_db
def test_the_sweep_fails_a_run_stuck_past_its_limit_says_why_and_queues_it_again(
    partnership, managers, stand_in_documents, django_capture_on_commit_callbacks
):
    stuck = actions.request_report(partnership=partnership, user=managers["partner"], language="en")
    lose_the_worker(stuck, task_id="first", minutes_ago=12)
    recent = actions.request_report(partnership=partnership, user=managers["partner"])
    lose_the_worker(recent, task_id="other", minutes_ago=5)

    with django_capture_on_commit_callbacks(execute=True):
        swept = actions.sweep_stuck_report_runs()

    assert [run.pk for run in swept] == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == ReportRun.Status.DONE  # queued again, and produced (eagerly here)
    assert (stuck.attempts, stuck.progress, stuck.error) == (2, 100, "")
    assert steps(stuck) == [
        ("", "queued"),
        ("queued", "running"),
        ("running", "failed"),
        ("failed", "queued"),
        ("queued", "running"),
        ("running", "done"),
    ]
    failed = stuck.transitions.get(to_state="failed")
    assert (failed.reason, failed.actor_kind) == (LIMIT_REASON_EN, "system")
    requeued = stuck.transitions.get(from_state="failed")
    assert requeued.reason == "Queued again by the portal: attempt 2 of 3."

    recent.refresh_from_db()  # within its limit: it may still be on its way
    assert (recent.status, recent.attempts) == (ReportRun.Status.RUNNING, 1)
    assert actions.sweep_stuck_report_runs() == []


@pytest.mark.django_db
def test_a_run_that_loses_its_worker_every_time_is_given_up_with_its_reason(
    partnership, managers, stand_in_documents
):
    run = actions.request_report(partnership=partnership, user=managers["volunteers"])
    assert run.language == "sv"
    for attempt in (1, 2):
        lose_the_worker(run, task_id=f"task-{attempt}", minutes_ago=12)
        assert [r.pk for r in actions.sweep_stuck_report_runs()] == [run.pk]
        run.refresh_from_db()
        assert (run.status, run.attempts) == (ReportRun.Status.QUEUED, attempt)

    # The third attempt's process dies too, and the broker delivers the task again at once
    # (reject on worker lost): there is no fourth attempt.
    lose_the_worker(run, task_id="task-3", minutes_ago=0)
    assert actions.produce_report(run_id=run.pk, task_id="task-3").status == "failed"
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ReportRun.Status.FAILED, 3)
    assert run.error == (
        "Rapporten gavs upp efter 3 försök: processen som tog fram den stannade varje gång."
    )
    assert actions.sweep_stuck_report_runs() == []
    assert actions.requeue_report_run(run_id=run.pk) is None
    assert actions.produce_report(run_id=run.pk, task_id="task-3").status == "failed"
    assert [to for _, to in steps(run)].count("running") == 3
    assert steps(run)[-1] == ("running", "failed")
    # The Swedish reasons of the first two losses are in the history.
    reasons = list(run.transitions.filter(to_state="failed").values_list("reason", flat=True))
    assert reasons[0].startswith("Rapporten blev inte klar inom 10 minuter")
    assert run.transitions.filter(from_state="failed", to_state="queued").count() == 2


@pytest.mark.django_db
def test_a_copy_delivered_again_leaves_a_run_that_another_task_produces(
    partnership, managers, stand_in_documents
):
    run = actions.request_report(partnership=partnership, user=managers["partner"])
    lose_the_worker(run, task_id="owner", minutes_ago=0)
    before = ReportRun.objects.values().get(pk=run.pk)

    # A stale copy (the visibility timeout of a worker killed long ago) finds it running.
    assert actions.produce_report(run_id=run.pk, task_id="stale-copy").status == "running"
    assert ReportRun.objects.values().get(pk=run.pk) == before
    assert len(steps(run)) == 2

    # The same task delivered again after its process was lost tries again.
    assert actions.produce_report(run_id=run.pk, task_id="owner").status == "done"
    run.refresh_from_db()
    assert run.attempts == 2
    assert steps(run)[-2:] == [("running", "running"), ("running", "done")]


@pytest.mark.django_db
def test_asking_again_for_a_stuck_year_end_report_does_not_answer_with_the_stuck_run(
    client, ended, managers, stand_in_documents, django_capture_on_commit_callbacks
):
    run = actions.request_report(partnership=ended, user=None, kind="year_end")
    lose_the_worker(run, task_id="lost", minutes_ago=5)
    # Within its limit it may still be on its way: asking again answers with it.
    again = actions.request_report(partnership=ended, user=managers["partner"], kind="year_end")
    assert (again.pk, again.status) == (run.pk, ReportRun.Status.RUNNING)

    ReportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=12))
    response = request_on_the_page(
        client, managers["partner"], ended, django_capture_on_commit_callbacks, kind="year_end"
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ReportRun.Status.DONE, 1)  # a fresh request
    assert steps(run)[1:] == [
        ("queued", "running"),
        ("running", "failed"),
        ("failed", "queued"),
        ("queued", "running"),
        ("running", "done"),
    ]
    assert run.transitions.get(to_state="failed").reason.startswith("Rapporten blev inte klar")
    asked = run.transitions.get(from_state="failed")
    assert (asked.actor, asked.actor_kind) == (managers["partner"], "user")


@pytest.mark.django_db
def test_a_run_past_its_soft_time_limit_fails_with_a_translated_reason(
    partnership, managers, django_capture_on_commit_callbacks
):
    slow = mock.patch("reports.metrics.compute_figures", side_effect=SoftTimeLimitExceeded())
    run = actions.request_report(partnership=partnership, user=managers["partner"], language="en")
    with slow, pytest.raises(SoftTimeLimitExceeded):
        tasks.produce_report_task.delay(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (ReportRun.Status.FAILED, LIMIT_REASON_EN)
    assert tasks.produce_report_task.time_limit == 600
    assert tasks.produce_report_task.acks_late and tasks.produce_report_task.reject_on_worker_lost
