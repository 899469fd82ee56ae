"""Partnerships, their targets, and the reports that follow them up (måluppfyllelse)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import TransitionLog


class Metric(models.TextChoices):
    """The fixed catalogue of figures a target can be set on (computed in ``reports.metrics``)."""

    NEW_REGISTRATIONS = "new_registrations", _("New registrations")
    REACHED_WITHIN_DAYS = "reached_within_days", _("Hosts reached within N days of registering")
    HOME_VISITS = "home_visits", _("Home visits")
    HOMES_REFERRED = "homes_referred", _("Homes referred")
    MATCHES_APPROVED = "matches_approved", _("Matches approved")
    HOUSEHOLDS_HOUSED = "households_housed", _("Households housed")
    ACTIVE_VOLUNTEERS = "active_volunteers", _("Active volunteers")
    DAYS_TO_CONTACT = "days_to_contact", _("Median days from registration to first contact")
    DAYS_TO_VISIT = "days_to_visit", _("Median days from registration to home visit")
    DAYS_TO_MOVE_IN = "days_to_move_in", _("Median days from registration to move-in")


# For these a lower figure is better: the goal is a ceiling, not a floor.
LOWER_IS_BETTER = {Metric.DAYS_TO_CONTACT, Metric.DAYS_TO_VISIT, Metric.DAYS_TO_MOVE_IN}


class PartnershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Partnerships in which the user's organisation is a party (all for superusers / DPO)."""
        from accounts.scoping import sees_everything

        if sees_everything(user):
            return self
        organisation_id = getattr(user, "organisation_id", None)
        if organisation_id is None:
            return self.none()
        return self.filter(
            models.Q(volunteer_organisation_id=organisation_id)
            | models.Q(partner_id=organisation_id)
            | models.Q(housing_company_id=organisation_id)
        )


def default_check_in_days() -> list[int]:
    """Week 1 and month 1 (then every three months: ``check_in_every_days``)."""
    return [7, 30]


class Partnership(models.Model):
    """An agreement between the volunteer organisation, a partner and possibly a housing company,
    for a period (e.g. 1 January to 1 December), with targets followed up during the year."""

    name = models.CharField(_("name"), max_length=200)
    volunteer_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("volunteer organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "volunteer_organisation"},
    )
    local_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("local group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships",
        help_text=_("The volunteer organisation's local group that works in the partnership."),
    )
    partner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="partnerships",
        limit_choices_to={"kind": "partner"},
    )
    municipalities = models.ManyToManyField(
        "municipalities.Municipality",
        verbose_name=_("municipalities"),
        related_name="partnerships",
        blank=True,
        help_text=_("The municipality or municipalities the partnership works in."),
    )
    housing_company = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("housing company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "housing_company"},
    )
    check_in_days = models.JSONField(
        _("first check-ins (days after move-in)"),
        default=default_check_in_days,
        blank=True,
        help_text=_("Days after the move-in of the first check-ins, e.g. [7, 30]."),
    )
    check_in_every_days = models.PositiveSmallIntegerField(
        _("then a check-in every (days)"),
        default=91,
        help_text=_("After the first check-ins, one every this many days until the stay ends."),
    )
    evaluation_concern_below = models.PositiveSmallIntegerField(
        _("an evaluation score below this opens a concern"),
        default=3,
        help_text=_("On the evaluations' scale of 1 to 5; 0 means never."),
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        indexes = [models.Index(fields=["period_end"], name="partnership_end_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise ValidationError({"period_end": _("The period must end after it starts.")})
        if (
            self.local_group_id
            and self.volunteer_organisation_id
            and self.local_group.organisation_id != self.volunteer_organisation_id
        ):
            raise ValidationError(
                {"local_group": _("The local group must be one of the volunteer organisation's.")}
            )

    def party_ids(self) -> set[int]:
        return {
            pk
            for pk in (self.volunteer_organisation_id, self.partner_id, self.housing_company_id)
            if pk
        }


class Target(models.Model):
    """A goal for one metric of the catalogue, for the partnership's period."""

    partnership = models.ForeignKey(
        Partnership,
        verbose_name=_("partnership"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    metric = models.CharField(_("metric"), max_length=40, choices=Metric.choices)
    goal = models.DecimalField(_("goal"), max_digits=10, decimal_places=1)
    within_days = models.PositiveSmallIntegerField(
        _("within days"),
        default=7,
        help_text=_("Only for “hosts reached within N days”."),
    )

    class Meta:
        ordering = ["partnership", "metric"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["partnership", "metric"], name="target_unique_metric")
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()}: {self.goal}"


class ReportRun(models.Model):
    """One request for a report: a partnership's year-end report, or an interim one at any
    time; or a volunteer organisation's national roll-up of a year (``organisation`` and
    ``year`` instead of ``partnership``).

    The Celery task ``reports.tasks.produce_report`` takes its primary key, computes the figures
    and writes the PDF and the XLSX; the page follows ``status`` and ``progress``.
    """

    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim report")
        YEAR_END = "year_end", _("Year-end report")
        NATIONAL = "national", _("National roll-up")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    partnership = models.ForeignKey(
        Partnership,
        verbose_name=_("partnership"),
        on_delete=models.CASCADE,
        related_name="runs",
        null=True,
        blank=True,
    )
    # A national roll-up: the volunteer organisation and the year it rolls up.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INTERIM)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    as_of = models.DateField(_("figures up to"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("why it failed"), blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"),
        default=0,
        help_text=_("How many times producing it has started since it was asked for."),
    )
    # The Celery task (its id) that started the current attempt: a copy of the message delivered
    # again once another delivery has taken over the run leaves it alone.
    task_id = models.CharField(_("task"), max_length=64, blank=True, editable=False)
    pdf = models.FileField(_("PDF"), upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField(_("Excel"), upload_to="reports/%Y/", blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"],
                condition=models.Q(kind="year_end"),
                name="reportrun_one_year_end",
            ),
            # A partnership's report has its partnership; a national roll-up its organisation
            # and year, and no partnership.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="national",
                        partnership__isnull=True,
                        organisation__isnull=False,
                        year__isnull=False,
                    )
                    | (~models.Q(kind="national") & models.Q(partnership__isnull=False))
                ),
                name="reportrun_partnership_or_national",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "kind", "year"], name="reportrun_national_idx")
        ]

    def __str__(self) -> str:
        subject = self.partnership or f"{self.organisation} {self.year}"
        return f"{self.get_kind_display()} {subject} ({self.get_status_display()})"

    @property
    def is_national(self) -> bool:
        return self.kind == self.Kind.NATIONAL


class ReportRunTransition(TransitionLog):
    """One step of a report run (``reports.workflow.REPORT_RUN_WORKFLOW``): queued, running,
    done or failed, and every retry."""

    run = models.ForeignKey(
        ReportRun,
        verbose_name=_("report run"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("report run step")
        verbose_name_plural = _("report run steps")
        indexes = [models.Index(fields=["run", "created_at"], name="runtrans_run_idx")]


class ReportDownload(models.Model):
    """Who downloaded which report file, and when."""

    run = models.ForeignKey(
        ReportRun, verbose_name=_("report run"), on_delete=models.CASCADE, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("downloaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    file_kind = models.CharField(_("file"), max_length=10)
    downloaded_at = models.DateTimeField(_("downloaded"), default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at"]
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")

    def __str__(self) -> str:
        return f"{self.run_id} {self.file_kind} {self.downloaded_at:%Y-%m-%d %H:%M}"


# Counts kept for finished days (``reports.daily``) ---------------------------------------------
# Derived from the history rows by ``reports.daily.refresh`` and read with what was written since;
# they point at homes and people by number only (no relation), hold nothing about anyone beyond
# the dates of steps, and can be dropped and rebuilt from the logs at any time.


class StoredCountsState(models.Model):
    """One refresh of the stored counts: up to which history row of each log they count (every
    row with a number at most the watermark, and none after), and the last finished day whose
    calls they hold. The latest row is the one the dashboard reads."""

    refreshed_at = models.DateTimeField(default=timezone.now)
    covered_until = models.DateField()
    home_transition_id = models.BigIntegerField(default=0)
    call_attempt_id = models.BigIntegerField(default=0)
    match_transition_id = models.BigIntegerField(default=0)
    visit_transition_id = models.BigIntegerField(default=0)
    full = models.BooleanField(default=False)
    days = models.IntegerField(default=0)
    homes = models.IntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M} (to {self.covered_until})"


class CallDay(models.Model):
    """The calls recorded on one finished day (Swedish time), up to the watermark, by the people
    of one local group (``local_group_id``) or of one organisation (``organisation_id``, the
    other None), by their group when the counts were refreshed (``MemberSnapshot``)."""

    day = models.DateField()
    local_group_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["local_group_id", "day"], include=["n"], name="callday_group_idx"),
            models.Index(fields=["organisation_id", "day"], include=["n"], name="callday_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.n}"


class VisitDay(models.Model):
    """The reported home visits that took place on one finished day (Swedish time) in the homes
    of one municipality with at least one person of one local group (``local_group_id``) or of
    one organisation (``organisation_id``, the other None): each visit once per group and once
    per organisation of its visitors, by their group when the counts were refreshed
    (``MemberSnapshot``)."""

    day = models.DateField()
    municipality_id = models.CharField(max_length=4, null=True)
    local_group_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["local_group_id", "day"],
                include=["municipality_id", "n"],
                name="visitday_group_idx",
            ),
            models.Index(
                fields=["organisation_id", "day"],
                include=["municipality_id", "n"],
                name="visitday_org_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.municipality_id}: {self.n}"


class MemberSnapshot(models.Model):
    """Each person's local group and organisation when the counts were refreshed: a dashboard
    whose group or organisation has gained or lost someone since counts its visits live."""

    user_id = models.BigIntegerField(primary_key=True)
    local_group_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["local_group_id"], name="membersnap_group_idx"),
            models.Index(fields=["organisation_id"], name="membersnap_org_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.user_id}: {self.local_group_id} / {self.organisation_id}"


class HomeFacts(models.Model):
    """A counted registration (a home offered through the form: no duplicate, no company flat),
    its tagged link, and when it first reached each step of the cohort, up to the watermark: times in
    microseconds since 1970 (UTC), so that reading thousands costs no date parsing."""

    home_id = models.BigIntegerField(primary_key=True)
    registered_us = models.BigIntegerField()
    registered_on = models.DateField()
    municipality_id = models.CharField(max_length=4, null=True)
    partner_id = models.BigIntegerField(null=True)
    reached_us = models.BigIntegerField(null=True)
    visited_us = models.BigIntegerField(null=True)
    referred_us = models.BigIntegerField(null=True)
    # The tagged link the host came through (``Home.source``: set at registration, never changed).
    source_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["municipality_id", "registered_us"],
                include=[
                    "registered_on",
                    "partner_id",
                    "reached_us",
                    "visited_us",
                    "referred_us",
                    "source_id",
                ],
                name="homefacts_muni_idx",
            ),
            models.Index(fields=["registered_us"], name="homefacts_time_idx"),
        ]

    def __str__(self) -> str:
        return f"home #{self.home_id}"


class HomeMatchFacts(models.Model):
    """For a counted registration and a partner whose household had a match with it: the first
    approval and the first move-in date, up to the watermark."""

    home_id = models.BigIntegerField()
    partner_id = models.BigIntegerField()
    registered_us = models.BigIntegerField()
    registered_on = models.DateField()
    municipality_id = models.CharField(max_length=4, null=True)
    matched_us = models.BigIntegerField(null=True)
    moved_in_on = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["home_id", "partner_id"], name="homematchfacts_unique")
        ]
        indexes = [
            models.Index(fields=["partner_id", "registered_us"], name="homematchfacts_partner_idx")
        ]

    def __str__(self) -> str:
        return f"home #{self.home_id}, partner #{self.partner_id}"


class ReferralFacts(models.Model):
    """A home's first referral (``metrics.first_referrals``: a home that is no duplicate and no
    company flat), up to the watermark: when it was first referred (microseconds since 1970,
    UTC), and its partner and municipality when the counts were refreshed."""

    home_id = models.BigIntegerField(primary_key=True)
    partner_id = models.BigIntegerField(null=True)
    municipality_id = models.CharField(max_length=4, null=True)
    referred_us = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["partner_id", "referred_us"],
                include=["municipality_id"],
                name="referralfacts_partner_idx",
            )
        ]

    def __str__(self) -> str:
        return f"home #{self.home_id}, partner #{self.partner_id}"


class ApprovalFacts(models.Model):
    """A row to "approved" of a match's history (``metrics.matches_approved``), up to the
    watermark: when (microseconds since 1970, UTC), the partner of the match's household, and
    the match's home with its municipality when the counts were refreshed."""

    transition_id = models.BigIntegerField(primary_key=True)
    home_id = models.BigIntegerField()
    partner_id = models.BigIntegerField(null=True)
    municipality_id = models.CharField(max_length=4, null=True)
    approved_us = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["partner_id", "approved_us"],
                include=["home_id", "municipality_id"],
                name="approvalfacts_partner_idx",
            ),
            models.Index(fields=["home_id"], name="approvalfacts_home_idx"),
        ]

    def __str__(self) -> str:
        return f"approval #{self.transition_id}, partner #{self.partner_id}"


class MoveInFacts(models.Model):
    """A match that moved in (``metrics.move_ins``: a row to "moved in" up to the watermark, and
    a move-in date), with its household (case) and the household's partner, and its home with
    the home's municipality when the counts were refreshed."""

    match_id = models.BigIntegerField(primary_key=True)
    case_id = models.BigIntegerField()
    home_id = models.BigIntegerField()
    partner_id = models.BigIntegerField(null=True)
    municipality_id = models.CharField(max_length=4, null=True)
    move_in_date = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["partner_id", "move_in_date"],
                include=["case_id", "home_id", "municipality_id"],
                name="moveinfacts_partner_idx",
            ),
            models.Index(fields=["home_id"], name="moveinfacts_home_idx"),
        ]

    def __str__(self) -> str:
        return f"match #{self.match_id}, {self.move_in_date}"


class ChangedHome(models.Model):
    """A home changed without a history row (its municipality chosen, merged as a duplicate):
    its stored facts are read live until the next refresh recomputes them."""

    home_id = models.BigIntegerField()
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"home #{self.home_id} ({self.marked_at:%Y-%m-%d %H:%M})"
