"""The evaluations in the admin: read-only, scoped like concerns (``Evaluation.objects.visible_to``).

The answers' free text shows only to those who work on the stay (``stays.selectors.works_on``:
the case's partner's coordinators; for a private home, the people of the home's local group);
anyone else who may open an evaluation sees the scores and that something was written. Managers
see the scores only in aggregate, in the report. Imported from ``StaysConfig.ready`` (a module of
its own beside ``stays/admin.py``)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import NotFoundOutsideScopeMixin

from .models import Evaluation, EvaluationAnswer, EvaluationTransition
from .selectors import works_on
from .surveys import SCALE, SURVEYS, TEXT, YES_NO


class EvaluationAnswerInline(admin.TabularInline):
    model = EvaluationAnswer
    extra = 0
    can_delete = False
    fields = ["question_text", "answer"]
    readonly_fields = ["question_text", "answer"]
    verbose_name = _("answer")
    verbose_name_plural = _("answers")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        # Whether the person reads the free text of this evaluation, for ``answer`` below.
        self._free_text = obj is not None and works_on(request.user, obj)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("question"))
    def question_text(self, answer):
        survey = SURVEYS.get(answer.evaluation.survey)
        question = survey.question(answer.question) if survey else None
        return question.text if question else answer.question

    @admin.display(description=_("answer"))
    def answer(self, answer):
        survey = SURVEYS.get(answer.evaluation.survey)
        question = survey.question(answer.question) if survey else None
        kind = question.kind if question else (TEXT if answer.score is None else SCALE)
        if kind == YES_NO:
            return _("Yes") if answer.score == 1 else _("No")
        if kind == SCALE:
            return _("%(score)s of 5") % {"score": answer.score}
        if getattr(self, "_free_text", False):
            return answer.text
        return _("Written in their own words (only those who work on the stay read it)")


class EvaluationTransitionInline(admin.TabularInline):
    model = EvaluationTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "from_state", "to_state", "actor_kind", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(AccessLoggedAdminMixin, NotFoundOutsideScopeMixin, admin.ModelAdmin):
    list_display = ["match", "respondent", "point", "status", "opens_on", "answered_at"]
    list_filter = ["status", "respondent", "point"]
    list_select_related = ["match__case", "match__home"]
    fields = ["match", "respondent", "point", "status", "opens_on", "answered_at", "language"]
    readonly_fields = fields
    inlines = [EvaluationAnswerInline, EvaluationTransitionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
