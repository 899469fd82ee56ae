"""Hosts (värdar) and their homes: the offer made through the public form (intresseanmälan)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from accounts.emails import CanonicalEmailField
from workflow.models import TransitionLog

from .languages import LANGUAGE_CHOICES


class HostQuerySet(models.QuerySet):
    def confirmed(self):
        """Hosts who followed the link in the confirmation e-mail: only these reach volunteers."""
        return self.filter(confirmed_at__isnull=False, erased_at__isnull=True)


class Host(models.Model):
    """A resident who offers a room or a home (värd).

    Personal data, kept only as long as the offer needs it: the name and the phone number so that a
    volunteer can call, the e-mail address for the confirmation, the self-service link and news of
    the offer, and the language so that every message reaches the host in their own language.
    The consent fields record which privacy notice the host agreed to, when, and in which language
    it was shown. On erasure the personal fields are emptied and ``erased_at`` is set.
    The e-mail address is stored in its canonical form (``accounts.emails``) and looked up by it.
    """

    name = models.CharField(_("name"), max_length=200)
    email = CanonicalEmailField(_("e-mail address"), max_length=254, blank=True)
    phone = PhoneNumberField(_("phone number"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the host used to register; e-mails are written in it."),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    consent_notice_version = models.CharField(_("privacy notice version"), max_length=20)
    consent_given_at = models.DateTimeField(_("consent given"))
    consent_language = models.CharField(
        _("privacy notice language"), max_length=8, choices=settings.LANGUAGES
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    link_version = models.PositiveIntegerField(
        _("link version"),
        default=1,
        editable=False,
        help_text=_(
            "The number the host's newest link carries: a newer link, a withdrawal or an "
            "erasure raises it, and every older link stops working."
        ),
    )

    objects = HostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("host")
        verbose_name_plural = _("hosts")
        indexes = [
            models.Index(fields=["email"], name="host_email_idx"),
            models.Index(fields=["phone"], name="host_phone_idx"),
        ]

    def __str__(self) -> str:
        if self.erased_at:
            return str(_("Erased host #%(id)s") % {"id": self.pk})
        return self.name

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class HomeQuerySet(models.QuerySet):
    def open(self):
        """Homes still on their way to a match (``Home.OPEN_STAGES``)."""
        return self.filter(status__in=Home.OPEN_STAGES)

    def callable(self):
        """Homes the call queue should hold: a confirmed host, not erased, not a duplicate, and a
        stage at which the first call is still to be made (``Home.CALLABLE_STAGES``)."""
        return self.filter(
            status__in=Home.CALLABLE_STAGES,
            host__confirmed_at__isnull=False,
            host__erased_at__isnull=True,
            duplicate_of__isnull=True,
        )

    def free_for_partner(self, partner_id: int):
        """Homes referred to this partner with no live match: the ones a coordinator can propose."""
        from matching.models import Match

        return self.filter(status=Home.Status.REFERRED, partner_id=partner_id).exclude(
            pk__in=Match.objects.live().values("home_id")
        )

    def changeable_by_host(self):
        """Homes whose offer the host may still change through self-service."""
        return self.filter(status__in=Home.HOST_CHANGEABLE_STAGES)

    def visible_to(self, user):
        """The homes a person may see: partner coordinators only those referred to their partner."""
        from accounts.scoping import home_filter

        condition = home_filter(user)
        return self if condition is None else self.filter(condition)


class Home(models.Model):
    """The offer: a room or a home that a host makes available (erbjudande).

    The address lets volunteers visit and partners judge the location; the kind, the beds, the dates
    and the rent let a coordinator find a household it suits; the household, pets, smoking,
    languages and accessibility are what a match must respect (allergies, non-smoking households,
    wheelchair users, a language in common). ``status`` moves only through ``hosts.actions``.
    """

    class Kind(models.TextChoices):
        ROOM = "room", _("A room in a shared home")
        WHOLE_HOME = "whole_home", _("A whole flat or house")
        SEPARATE_HOUSE = "separate_house", _("A separate small house (e.g. a guest house)")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CONTACTED = "contacted", _("Contacted")
        VISIT_BOOKED = "visit_booked", _("Home visit booked")
        VISITED = "visited", _("Visited")
        REFERRED = "referred", _("Referred to a partner")
        MATCHED = "matched", _("Matched")
        ENDED = "ended", _("Ended")
        CLOSED = "closed", _("Closed")
        UNREACHABLE = "unreachable", _("Unreachable")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REJECTED = "rejected", _("Not suitable")
        PAUSED = "paused", _("Paused")

    # The fields of the offer, in the order the sign-up form asks for them; self-service may
    # change them and the host's export holds them.
    OFFER_FIELDS = (
        "street_address",
        "postcode",
        "municipality",
        "kind",
        "beds",
        "step_free_access",
        "accessibility_notes",
        "available_from",
        "available_months",
        "rent_per_month",
        "household_description",
        "has_pets",
        "pets_description",
        "smoking",
        "languages",
        "other_languages",
        "hopes",
        "heard_from",
    )

    # Named sets of stages, defined once: every rule that asks "is the home …?" reads these.
    # On its way to a match: the host or a volunteer may pause it or withdraw it.
    OPEN_STAGES = (
        Status.REGISTERED,
        Status.CONTACTED,
        Status.VISIT_BOOKED,
        Status.VISITED,
        Status.REFERRED,
    )
    # Out of the process for good.
    FINAL_STAGES = (Status.CLOSED, Status.WITHDRAWN, Status.REJECTED)
    # The host left, could not be reached or the home was found unsuitable: the retention period
    # for the host's personal data runs from the day the home reached one of these.
    LEFT_STAGES = (Status.WITHDRAWN, Status.UNREACHABLE, Status.REJECTED)
    # The first call is still to be made: the call queue holds these homes.
    CALLABLE_STAGES = (Status.REGISTERED,)
    # Still the volunteer organisation's (not yet referred): a status campaign may call these.
    CAMPAIGN_STAGES = (
        Status.REGISTERED,
        Status.CONTACTED,
        Status.VISIT_BOOKED,
        Status.VISITED,
        Status.UNREACHABLE,
    )
    # Past the first contact: a call that reaches the host records the contact, no step back.
    PAST_CONTACT_STAGES = (Status.CONTACTED, Status.VISIT_BOOKED, Status.VISITED)
    # The host may change the offer through self-service.
    HOST_CHANGEABLE_STAGES = (
        *OPEN_STAGES,
        Status.PAUSED,
        Status.UNREACHABLE,
    )

    class Smoking(models.TextChoices):
        NO = "no", _("Nobody smokes")
        OUTDOORS = "outdoors", _("Smoking outdoors only")
        INDOORS = "indoors", _("Smoking indoors")

    class HeardFrom(models.TextChoices):
        FRIEND = "friend", _("From a friend or family member")
        SOCIAL_MEDIA = "social_media", _("Social media")
        NEWS = "news", _("Newspaper, radio or TV")
        MUNICIPALITY = "municipality", _("The municipality")
        ORGANISATION = "organisation", _("The volunteer organisation")
        OTHER = "other", _("Somewhere else")

    host = models.ForeignKey(
        Host,
        verbose_name=_("host"),
        on_delete=models.CASCADE,
        related_name="homes",
        null=True,
        blank=True,
        help_text=_("Empty for a housing company's flat offered under the vacancy quota."),
    )
    unit = models.ForeignKey(
        "housing.Unit",
        verbose_name=_("housing company unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homes",
    )
    street_address = models.CharField(_("street address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homes",
        help_text=_("Empty only for an old registration whose municipality is still to be chosen."),
    )
    municipality_as_given = models.CharField(
        _("municipality as typed"),
        max_length=100,
        blank=True,
        help_text=_(
            "The free text of a registration from before municipalities were chosen from a list, "
            "kept where it could not be read as one of Sweden's municipalities: choose the "
            "municipality it stands for."
        ),
    )
    local_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("local group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homes",
        help_text=_(
            "The volunteer group that calls and visits the host: the one covering the home's "
            "municipality, or the one it was handed over to. Empty when no group covers it."
        ),
    )
    kind = models.CharField(_("kind of home"), max_length=20, choices=Kind.choices)
    beds = models.PositiveSmallIntegerField(
        _("number of beds"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    available_from = models.DateField(_("available from"))
    available_months = models.PositiveSmallIntegerField(
        _("available for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty means until further notice."),
    )
    rent_per_month = models.PositiveIntegerField(
        _("rent per month (SEK)"), validators=[MaxValueValidator(100_000)]
    )
    household_description = models.TextField(_("who lives in the home"), max_length=2000)
    has_pets = models.BooleanField(_("pets in the home"), default=False)
    pets_description = models.CharField(_("which pets"), max_length=200, blank=True)
    smoking = models.CharField(_("smoking"), max_length=10, choices=Smoking.choices)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    other_languages = models.CharField(_("other languages"), max_length=200, blank=True)
    step_free_access = models.BooleanField(_("step-free access"), default=False)
    accessibility_notes = models.CharField(_("accessibility"), max_length=500, blank=True)
    hopes = models.TextField(_("what the host hopes for"), max_length=2000, blank=True)
    heard_from = models.CharField(
        _("how the host heard of the programme"), max_length=20, choices=HeardFrom.choices
    )
    source = models.ForeignKey(
        "outreach.Source",
        verbose_name=_("came through"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homes",
        help_text=_(
            "The tagged link (meeting, poster, advertisement, post) the host came through."
        ),
    )
    status = models.CharField(
        _("stage"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    status_changed_at = models.DateTimeField(_("stage changed"), default=timezone.now)
    partner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("referred to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_homes",
        limit_choices_to={"kind": "partner"},
        help_text=_("The partner the home is referred to; its coordinators see the home."),
    )
    place = models.ForeignKey(
        "matching.Place",
        verbose_name=_("place"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homes",
        help_text=_("Where the home is, for distances; found from the municipality given."),
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        help_text=_("Set when a coordinator merged this registration into another."),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = HomeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("home")
        verbose_name_plural = _("homes")
        indexes = [
            models.Index(fields=["status", "created_at"], name="home_status_created_idx"),
            models.Index(fields=["partner", "status", "beds"], name="home_partner_open_idx"),
            models.Index(fields=["local_group", "status"], name="home_group_status_idx"),
            # The homes the reports count (no duplicate, no housing company's flat) by
            # municipality: a partnership's homes from the index alone.
            models.Index(
                fields=["municipality", "id"],
                name="home_counted_muni_idx",
                condition=models.Q(duplicate_of__isnull=True, unit__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(host__isnull=False) | models.Q(unit__isnull=False),
                name="home_has_host_or_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.municipality_label} (#{self.pk})"

    def validate_constraints(self, exclude=None):
        # Django passes over a check constraint on a field left out of validation only after
        # building a query for it (``Q.check`` fails on the missing field): about half a
        # millisecond for every offer form, which never has ``host`` or ``unit``. The same
        # constraints are passed over here before any query is built; the others are checked.
        excluded = set(exclude or ())
        if excluded and all(
            isinstance(constraint, models.CheckConstraint)
            and constraint.condition.referenced_base_fields & excluded
            for constraint in self._meta.constraints
        ):
            return
        super().validate_constraints(exclude=exclude)

    @property
    def municipality_label(self) -> str:
        """The municipality as pages and e-mails print it: its name ("Malmö"), or, for an old
        registration whose municipality is still to be chosen, the text given then."""
        return self.municipality.short_name if self.municipality_id else self.municipality_as_given

    def language_labels(self) -> list[str]:
        labels = dict(LANGUAGE_CHOICES)
        return [str(labels.get(code, code)) for code in self.languages]


class HomeTransition(TransitionLog):
    """One step of a home through its workflow (``hosts.workflow``): the history reports read."""

    home = models.ForeignKey(
        Home, verbose_name=_("home"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("home transition")
        verbose_name_plural = _("home transitions")
        indexes = [
            models.Index(fields=["home", "created_at"], name="hometrans_home_idx"),
            models.Index(fields=["to_state", "created_at"], name="hometrans_to_idx"),
            models.Index(fields=["created_at"], name="hometrans_time_idx"),
            # Each home's registration (its first row, from nothing to "registered"): the
            # reports' new registrations of a partnership's homes from the index alone.
            models.Index(
                fields=["home"],
                include=["created_at"],
                name="hometrans_registered_idx",
                condition=models.Q(from_state="", to_state="registered"),
            ),
        ]


class ErasureRecord(models.Model):
    """That an erasure took place, and when: nothing about whom."""

    class Channel(models.TextChoices):
        SELF_SERVICE = "self_service", _("The person, through self-service")
        STAFF = "staff", _("Staff, on the person's request")
        RETENTION = "retention", _("The retention rules, when the time was up")

    subject_kind = models.CharField(_("kind of person"), max_length=20, default="host")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    erased_at = models.DateTimeField(_("erased"), auto_now_add=True)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return f"{self.subject_kind} {self.erased_at:%Y-%m-%d %H:%M}"
