from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Value, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import Organisation
from accounts.scoping import sees_everything
from hosts.languages import LANGUAGE_CHOICES
from housing.actions import record_employment_service_registration
from housing.forms import RegistrationForm
from matching_portal import formatting
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    ReasonForm,
    ScopedAdminMixin,
    ScopedLinksMixin,
    Step,
    StepForm,
    TransitionLogInline,
    WorkflowAdminMixin,
)
from workflow.errors import DomainError, Invalid

from .actions import (
    check_staying,
    close_case,
    give_household_link,
    household_link_url,
    open_case,
    record_establishment_outcome,
    reopen_case,
    revoke_household_link,
    set_preferred_areas,
)
from .models import CaseTransition, HouseholdLink, NewcomerCase
from .workflow import CASE_WORKFLOW


class CaseTransitionInline(TransitionLogInline):
    model = CaseTransition


class NewcomerCaseForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    children_ages = forms.CharField(
        label=_("Children's ages"),
        required=False,
        help_text=_("Separate with commas, e.g. 4, 9. Leave empty if there are no children."),
    )
    preferred_areas = forms.CharField(
        label=_("Preferred areas"),
        required=False,
        help_text=_("Separate with commas, e.g. Krokom, Östersund. Empty means anywhere."),
    )

    class Meta:
        model = NewcomerCase
        fields = [
            "partner",
            "reference",
            "adults",
            "children_ages",
            "languages",
            "needs_step_free_access",
            "pet_allergy",
            "needs_non_smoking",
            "preferred_areas",
            "needs_months",
            "rent_budget",
            "assigned_on",
            "housing_needed_by",
            "establishment_ends_on",
            "outcome",
            "still_in_municipality",
            "still_in_matched_home",
            "asylum_allotment",
            "language",
            "email",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "language" in self.fields:
            self.fields["language"].required = False
        if self.instance.pk:
            self.initial["children_ages"] = ", ".join(str(a) for a in self.instance.children_ages)
            self.initial["preferred_areas"] = ", ".join(self.instance.preferred_areas)

    def clean(self):
        cleaned = super().clean()
        if "outcome" in self.fields:
            try:
                check_staying(
                    outcome=cleaned.get("outcome") or "",
                    still_in_municipality=cleaned.get("still_in_municipality"),
                    still_in_matched_home=cleaned.get("still_in_matched_home"),
                )
            except Invalid as error:
                self.add_error(None, error.message)
        allotment = cleaned.get("asylum_allotment")
        partner = cleaned.get("partner") or getattr(self.instance, "partner", None)
        if (
            allotment is not None
            and partner is not None
            and allotment.pk != self.initial.get("asylum_allotment")
            and not asylum_allotments(partner_id=partner.pk).filter(pk=allotment.pk).exists()
        ):
            self.add_error(
                "asylum_allotment",
                _("Choose an allotment of a housing company in one of the partner's partnerships."),
            )
        return cleaned

    def clean_language(self):
        # Left out (a form of an older page): the case keeps its language, Swedish for a new one.
        return self.cleaned_data.get("language") or self.instance.language or "sv"

    def clean_children_ages(self):
        raw = self.cleaned_data["children_ages"].strip()
        if not raw:
            return []
        try:
            ages = [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(
                _("Give the children's ages as whole numbers from 0 to 17, separated by commas.")
            ) from None
        return ages

    def clean_preferred_areas(self):
        from matching.places import resolve_place

        raw = self.cleaned_data["preferred_areas"]
        names = [part.strip() for part in raw.split(",") if part.strip()][:20]
        partner = self.cleaned_data.get("partner") or getattr(self.instance, "partner", None)
        places, unknown = [], []
        for name in names:
            place = resolve_place(name, partner_id=getattr(partner, "pk", None))
            (places.append(place) if place else unknown.append(name))
        if unknown:
            raise forms.ValidationError(
                _(
                    "We do not know where %(names)s is. Check the spelling, or add it as one of "
                    "your partner's districts (Matches › Places)."
                )
                % {"names": ", ".join(unknown)}
            )
        self.resolved_places = places
        return names


def asylum_allotments(*, partner_id=None, keep=None):
    """The allotments a case's asylum housing is chosen from: those of the housing companies in
    the partner's partnerships (every partnership's, without a partner), and ``keep`` (the
    case's own, also one of a partnership that has ended)."""
    from django.db.models import Q

    from housing.models import Allotment
    from reports.models import Partnership

    partnerships = Partnership.objects.filter(housing_company__isnull=False)
    if partner_id is not None:
        partnerships = partnerships.filter(partner_id=partner_id)
    condition = Q(company_id__in=partnerships.values("housing_company_id"))
    if keep is not None:
        condition |= Q(pk=keep)
    return (
        Allotment.objects.filter(condition)
        .select_related("company")
        .order_by("company__name", "period_start", "pk")
    )


def allotment_label(allotment) -> str:
    """An allotment as the case form's list shows it: the company, the kind and the period."""
    start = formatting.day(allotment.period_start)
    if allotment.period_end is None:
        period = _("from %(start)s") % {"start": start}
    else:
        end = formatting.day(allotment.period_end)
        period = f"{start}–{end}"
    label = f"{allotment.company.name}: {allotment.get_kind_display()}, {period}"
    return f"{label} ({allotment.description})" if allotment.description else label


def _may_record_registration(case, user) -> bool:
    from housing.actions import may_record_registration

    return case.registered_with_employment_service_on is None and may_record_registration(
        user, case
    )


# The fields of the case page's section on establishment and staying.
ESTABLISHMENT_FIELDS = (
    "asylum_allotment",
    "registered_with_employment_service_on",
    "establishment_ends_on",
    "outcome",
    "still_in_municipality",
    "still_in_matched_home",
    "outcome_recorded_at",
)
# Recorded together, through ``record_establishment_outcome``.
OUTCOME_FIELDS = ("outcome", "still_in_municipality", "still_in_matched_home")


def case_of_page(model_admin, request, object_id):
    """The case of its change page, looked up once for the page's sections (the road, the
    household's links, the matches and the homes that fit) when the page is only read (GET);
    a POST looks it up afresh each time."""
    if request.method not in ("GET", "HEAD"):
        return model_admin.get_object(request, unquote(object_id))
    cases = request.__dict__.setdefault("_cases_of_page", {})
    if object_id not in cases:
        cases[object_id] = model_admin.get_object(request, unquote(object_id))
    return cases[object_id]


class RoadMixin:
    """The household's road on the case's page (``work.selectors.road_of``) and its
    placements, each a link to the placement's page."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from work.models import Placement
        from work.selectors import reaches_road, road_of

        extra_context = extra_context or {}
        case = case_of_page(self, request, object_id)
        if reaches_road(request.user):
            extra_context["road"] = road_of(case=case, user=request.user)
            placements = (
                Placement.objects.visible_to(request.user)
                .filter(case=case)
                .select_related("employer__organisation")
                .order_by("starts_on", "pk")
            )
            if _may_record_registration(case, request.user):
                extra_context["registration_url"] = self.step_url(
                    case, "register_employment_service"
                )
            links = request.user.has_perm("work.view_placement")
            extra_context["placements"] = [
                {
                    "placement": placement,
                    "url": reverse("admin:work_placement_change", args=[placement.pk])
                    if links
                    else "",
                }
                for placement in placements
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def offered_steps(self, request, obj):
        # The registration has its button in the road's section, beside the registration.
        return [
            name
            for name in super().offered_steps(request, obj)
            if name != "register_employment_service"
        ]


# Fields of a case that only the partner's coordinators see: the household's e-mail address is
# there to send its link, and for nothing else (not for the data protection officer's or a
# manager's reading of the case).
COORDINATOR_ONLY_FIELDS = ("email",)


def priority_text(case: NewcomerCase) -> str:
    """The badge of a household waiting with priority ("" when it does not)."""
    if case.priority_since is None:
        return ""
    day = formatting.day(case.priority_since)
    return _("Priority: stay ended early on %(day)s") % {"day": day}


class PriorityFilter(admin.SimpleListFilter):
    """The households waiting with priority (a stay of theirs ended early)."""

    title = _("priority")
    parameter_name = "priority"

    def lookups(self, request, model_admin):
        return [("yes", _("With priority")), ("no", _("Without priority"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(priority_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(priority_since__isnull=True)
        return queryset


class SuggestionsMixin:
    """Ranked, explained homes for a case, and the best plan for all open cases of a partner.
    Proposing goes through ``matching.actions.propose_match`` like everywhere else."""

    def get_urls(self):
        return [
            path(
                "plan/",
                self.admin_site.admin_view(self.plan_view),
                name="newcomers_newcomercase_plan",
            ),
            path(
                "<path:object_id>/propose/<int:home_id>/",
                self.admin_site.admin_view(self.propose_view),
                name="newcomers_newcomercase_propose",
            ),
            *super().get_urls(),
        ]

    def _may_propose(self, request) -> bool:
        return has_role(request.user, roles.PARTNER_COORDINATOR)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from matching.suggestions import suggest_homes

        extra_context = extra_context or {}
        case = case_of_page(self, request, object_id)
        if case is not None:
            extra_context["priority"] = priority_text(case)
            extra_context["case_matches"] = self._matches_of(request, case)
        if (
            case is not None
            and case.status == NewcomerCase.Status.WAITING
            and not case.matches.live().exists()
        ):
            extra_context["suggestions"] = suggest_homes(case)
            extra_context["may_propose"] = self._may_propose(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def _matches_of(self, request, case):
        """The case's matches the person may see, newest first, each with its page; None when
        the person does not see matches at all."""
        from matching.models import Match

        if not request.user.has_perm("matching.view_match"):
            return None
        matches = (
            Match.objects.visible_to(request.user)
            .filter(case=case)
            .select_related("home__municipality")
            .order_by("-created_at", "-pk")
        )
        return [
            {"match": match, "url": reverse("admin:matching_match_change", args=[match.pk])}
            for match in matches
        ]

    def propose_view(self, request, object_id, home_id):
        from hosts.models import Home
        from matching import actions as matching_actions

        case = self.get_object(request, unquote(object_id))
        if not self._may_propose(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:newcomers_newcomercase_change", case.pk)
        home = get_object_or_404(Home.objects.visible_to(request.user), pk=home_id)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:newcomers_newcomercase_change", args=[case.pk])
        try:
            match = matching_actions.propose_match(home=home, case=case, user=request.user)
        except DomainError as exc:
            # The refusal, once, with its status; the way back is where the person came from.
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Propose"),
                "message": exc.message,
                "back_url": target,
            }
            return TemplateResponse(
                request, "admin/workflow/refused.html", context, status=exc.status
            )
        messages.success(
            request,
            format_html(
                _("Proposed: {match}. Approve it on {link}."),
                match=match,
                link=format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:matching_match_change", args=[match.pk]),
                    _("the match's page"),
                ),
            ),
        )
        return redirect(target)

    def plan_view(self, request):
        from hosts.models import Home
        from matching.suggestions import best_plan, open_cases

        partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
        if not sees_everything(request.user):
            partners = partners.filter(pk=request.user.organisation_id)
        chosen = request.GET.get("partner", "")
        chosen = partners.filter(pk=chosen).first() if chosen.isdigit() else None
        partner = chosen or partners.first()
        if partner is None:
            raise Http404
        cases = open_cases(partner.pk)
        plan = best_plan(cases)
        case_by_id = {case.pk: case for case in cases}
        homes = Home.objects.select_related("host", "municipality").in_bulk(
            [home_id for _c, home_id, _f in plan.pairs]
        )
        items = [
            {
                "case": case_by_id[case_id],
                "home": homes[home_id],
                "fit": fit,
                "priority": priority_text(case_by_id[case_id]),
            }
            for case_id, home_id, fit in plan.pairs
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Best plan for all open cases"),
            "priority_count": sum(1 for case in cases if case.priority_since is not None),
            "partner": partner,
            "partners": partners,
            "items": items,
            "plan": plan,
            "open_cases": len(cases),
            "may_propose": self._may_propose(request),
        }
        return TemplateResponse(request, "admin/newcomers/plan.html", context)


class GiveLinkForm(StepForm):
    """How the household gets its link: a letter the coordinator prints and hands over, or an
    e-mail to the case's address."""

    delivery = forms.ChoiceField(
        label=_("Hand the link over as"),
        choices=HouseholdLink.Delivery.choices,
        widget=forms.RadioSelect,
        initial=HouseholdLink.Delivery.LETTER,
        help_text=_(
            "The letter and the e-mail are in the household's language. A new link stops the "
            "household's earlier links."
        ),
    )

    def clean_delivery(self):
        delivery = self.cleaned_data["delivery"]
        if delivery == HouseholdLink.Delivery.EMAIL and self.obj is not None and not self.obj.email:
            raise forms.ValidationError(
                _("The case has no e-mail address. Add the household's address, or print a letter.")
            )
        return delivery


def _gives_links(case, user) -> bool:
    """A coordinator of the case's partner hands out and stops the household's links."""
    return has_role(user, roles.PARTNER_COORDINATOR) and user.organisation_id == case.partner_id


def _may_give_link(case, user) -> bool:
    return case.status != NewcomerCase.Status.CLOSED and _gives_links(case, user)


class HouseholdLinksMixin:
    """The household's own link on the case's page: the links made (made, expires, last used,
    stopped), "Stop this link", and the printable letter with the QR code. Issuing a link is the
    step "Give the household its link" (``steps``)."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/household-link/letter/",
                self.admin_site.admin_view(self.household_letter_view),
                name="newcomers_newcomercase_household_letter",
            ),
            path(
                "<path:object_id>/household-link/stop/",
                self.admin_site.admin_view(self.stop_household_link_view),
                name="newcomers_newcomercase_household_link_stop",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        case = case_of_page(self, request, object_id)
        if request.user.has_perm("newcomers.view_householdlink"):
            now = timezone.now()
            extra_context["household_links"] = [
                {"link": link, "works": link.revoked_at is None and link.expires_at > now}
                for link in case.links.select_related("created_by", "revoked_by")
            ]
            extra_context["gives_links"] = _gives_links(case, request.user)
            extra_context["may_give_link"] = _may_give_link(case, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def offered_steps(self, request, obj):
        # "Give the household its link" has its button in the case's household-link section.
        return [name for name in super().offered_steps(request, obj) if name != "give_link"]

    def step_success_url(self, request, obj, name, result):
        if name == "give_link" and result.delivery == HouseholdLink.Delivery.LETTER:
            return reverse("admin:newcomers_newcomercase_household_letter", args=[obj.pk])
        return super().step_success_url(request, obj, name, result)

    def step_done(self, request, obj, name, result):
        if name != "give_link":
            return super().step_done(request, obj, name, result)
        if result.delivery == HouseholdLink.Delivery.EMAIL:
            messages.success(
                request,
                _("A new link has been e-mailed to the household. Earlier links no longer work."),
            )
        else:
            messages.success(
                request,
                _("A new link is ready. Print the letter and give it to the household."),
            )

    def household_letter_view(self, request, object_id):
        """The letter with the household's working link, to print: in the household's language,
        a QR code of the link, the link in text and short instructions."""
        from accounts.two_factor import _qr_svg

        case = self.get_object(request, unquote(object_id))
        if not _gives_links(case, request.user):
            raise PermissionDenied
        link = case.links.usable().first()
        change_url = reverse("admin:newcomers_newcomercase_change", args=[case.pk])
        if link is None:
            messages.warning(request, _("The household has no working link. Give it a new one."))
            return redirect(change_url)
        url = household_link_url(link)
        context = {
            # The coordinator's own words, in the coordinator's language; the letter in the
            # household's.
            "tools_language": translation.get_language(),
            "tools_back": str(_("Back to the case")),
            "tools_print": str(_("Print this page and give it to the household.")),
            "case": case,
            "link": link,
            "url": url,
            "qr_svg": _qr_svg(url),
            "expires_on": timezone.localtime(link.expires_at).date(),
            "language": case.language,
            "change_url": change_url,
        }
        with translation.override(case.language):
            response = TemplateResponse(request, "household/letter.html", context)
            response.render()
        return response

    def stop_household_link_view(self, request, object_id):
        """ "Stop this link": the link in ``link_id`` of this case stops working (a button: a
        GET is refused before the case is looked up)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self.get_object(request, unquote(object_id))
        if not _gives_links(case, request.user):
            raise PermissionDenied
        change_url = reverse("admin:newcomers_newcomercase_change", args=[case.pk])
        link_id = request.POST.get("link_id", "")
        link = case.links.filter(pk=link_id).first() if link_id.isdigit() else None
        if link is None:
            messages.error(request, _("Choose a link of this household to stop."))
            return redirect(change_url)
        try:
            revoke_household_link(link=link, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The link has been stopped. It no longer opens the page."))
        return redirect(change_url)


class NewcomerCaseAdmin(
    AccessLoggedAdminMixin,
    RoadMixin,
    HouseholdLinksMixin,
    SuggestionsMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    workflow = CASE_WORKFLOW
    action_object = "case"
    # Step -> its action and the form of its input (None: none needed; also a bulk action).
    # Matching, moving in and ending a stay are the match's steps (matching.admin): a housed
    # household needs housing again when its stay ends, on the match's page, so "rehouse" is
    # not offered here (it would leave the match moved in).
    steps = {
        "close": Step(close_case, ReasonForm),
        "reopen": Step(reopen_case),
        "give_link": Step(
            give_household_link,
            GiveLinkForm,
            label=_("Give the household its link"),
            offered=_may_give_link,
        ),
        "register_employment_service": Step(
            record_employment_service_registration,
            RegistrationForm,
            label=_("Record registration with the Public Employment Service"),
            offered=_may_record_registration,
        ),
    }
    form = NewcomerCaseForm
    change_form_template = "admin/newcomers/newcomercase/change_form.html"
    # The reference, the status and the priority first: they show at 1280 px beside the admin's
    # menu and first on a phone; the partner only for those who see every partner's cases.
    list_display = [
        "reference",
        "status",
        "priority_display",
        "household_size_display",
        "housing_needed_by",
        "assigned_on",
        "partner",
    ]
    list_filter = [
        "status",
        PriorityFilter,
        "partner",
        "outcome",
        "needs_step_free_access",
        "pet_allergy",
        "assigned_on",
    ]
    list_select_related = ["partner"]
    search_fields = ["reference", "notes"]
    date_hierarchy = "housing_needed_by"
    # Open cases before closed ones (a partner's years of closed cases came first); among them
    # households waiting with priority first (the longest waiting with priority first).
    ordering = [
        Case(When(status=NewcomerCase.Status.CLOSED, then=Value(1)), default=Value(0)).asc(),
        F("priority_since").asc(nulls_last=True),
        "housing_needed_by",
        "pk",
    ]
    readonly_fields = [
        "priority_since",
        "status",
        "status_changed_at",
        "outcome_recorded_at",
        "registered_with_employment_service_on",
        "created_at",
        "updated_at",
    ]
    inlines = [CaseTransitionInline]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if sees_everything(request.user):
            return shown
        return [name for name in shown if name != "partner"]

    @admin.display(description=_("priority"), ordering="priority_since")
    def priority_display(self, obj):
        text = priority_text(obj)
        return format_html('<span class="priority-badge">{}</span>', text) if text else ""

    @admin.display(description=_("household"))
    def household_size_display(self, obj):
        return obj.household_size

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if has_role(request.user, roles.PARTNER_COORDINATOR):
            return fields
        return [name for name in fields if name not in COORDINATOR_ONLY_FIELDS]

    def get_fieldsets(self, request, obj=None):
        fields = self.get_fields(request, obj)
        return [
            (None, {"fields": [name for name in fields if name not in ESTABLISHMENT_FIELDS]}),
            (
                _("Establishment and staying"),
                {"fields": [name for name in ESTABLISHMENT_FIELDS if name in fields]},
            ),
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        allotment_field = form.base_fields.get("asylum_allotment")
        if allotment_field is not None:
            if obj is not None:
                partner_id = obj.partner_id
            elif sees_everything(request.user):
                partner_id = None
            else:
                partner_id = request.user.organisation_id
            allotment_field.queryset = asylum_allotments(
                partner_id=partner_id, keep=obj.asylum_allotment_id if obj else None
            )
            allotment_field.label_from_instance = allotment_label
        partner_field = form.base_fields.get("partner")
        if partner_field is not None:
            if sees_everything(request.user):
                partner_field.queryset = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
            else:
                partner_field.queryset = Organisation.objects.filter(
                    pk=request.user.organisation_id, kind=Organisation.Kind.PARTNER
                )
                partner_field.initial = request.user.organisation_id
        return form

    def save_model(self, request, obj, form, change):
        # The outcome and where the household lives are recorded through their action
        # (``record_establishment_outcome``, which dates them), never saved beside it.
        outcome = {name: getattr(obj, name) for name in OUTCOME_FIELDS}
        outcome_changed = any(name in form.changed_data for name in OUTCOME_FIELDS)
        if change:
            if outcome_changed and outcome["outcome"]:
                for name in OUTCOME_FIELDS:
                    setattr(obj, name, form.initial.get(name, getattr(obj, name)))
            obj.save()
            if "partner" in form.changed_data:
                # The dashboard's stored facts keep each match's partner (reports.daily): the
                # case's matches are counted live for their new partner until the next refresh.
                from reports.daily import mark_homes_changed

                mark_homes_changed(obj.matches.values_list("home_id", flat=True).distinct())
            if outcome_changed and outcome["outcome"]:
                record_establishment_outcome(case=obj, user=request.user, **outcome)
            self._save_places(obj, form)
            return
        fields = {
            name: form.cleaned_data[name]
            for name in form.Meta.fields
            if name in form.cleaned_data and name not in OUTCOME_FIELDS
        }
        created = open_case(user=request.user, **fields)
        if outcome["outcome"]:
            record_establishment_outcome(case=created, user=request.user, **outcome)
        obj.pk = created.pk
        obj._state.adding = False
        self._save_places(created, form)

    def _save_places(self, case, form):
        if "preferred_areas" in form.cleaned_data:
            set_preferred_areas(
                case=case,
                names=form.cleaned_data["preferred_areas"],
                places=getattr(form, "resolved_places", []),
            )


admin.site.register(NewcomerCase, NewcomerCaseAdmin)
