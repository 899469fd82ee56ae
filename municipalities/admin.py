"""Sweden's counties and municipalities in the admin: reference data, read-only for everyone
(loaded by a migration, never typed in), searched by name or code. Their admins answer the
autocomplete of every field that points to a municipality (homes, units, places, groups,
partnerships), and ``MunicipalityToChooseFilter`` lists the rows whose free text of the past
could not be read as a municipality, for a coordinator to choose it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import County, Municipality


class ReferenceDataAdmin(admin.ModelAdmin):
    """Read-only, and readable by every member of staff: it is public reference data, and the
    admin's autocomplete asks the municipality's admin whether the person may view it."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(County)
class CountyAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "short_name"]
    search_fields = ["code", "name", "short_name"]


@admin.register(Municipality)
class MunicipalityAdmin(ReferenceDataAdmin):
    list_display = ["code", "short_name", "name", "county"]
    list_filter = ["county"]
    list_select_related = ["county"]
    search_fields = ["code", "short_name", "name"]
    ordering = ["short_name"]


class MunicipalityToChooseFilter(admin.SimpleListFilter):
    """The rows whose municipality is still to be chosen: no municipality, and the text given
    before municipalities were chosen from a list (``municipality_as_given``)."""

    title = _("municipality to choose")
    parameter_name = "municipality_to_choose"

    def lookups(self, request, model_admin):
        return [("yes", _("Municipality to choose"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(municipality__isnull=True).exclude(municipality_as_given="")
        return queryset


@admin.display(description=_("municipality"), ordering="municipality__short_name")
def municipality_or_as_given(obj) -> str:
    """A list's column: the municipality's name, or the text still to be chosen from."""
    if obj.municipality_id:
        return obj.municipality.short_name
    if obj.municipality_as_given:
        return _("“%(text)s” (to choose)") % {"text": obj.municipality_as_given}
    return "–"
