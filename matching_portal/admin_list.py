"""The rows of the admin's change lists, written in Python: the same HTML as Django's
``items_for_result`` (``django.contrib.admin.templatetags.admin_list``, Django 5.2).

A list of 100 rows cost about 0.4 ms of CPU a row in Django's own code: for each cell a lookup
of the field by name, the empty value's display asked of the ModelAdmin, a date formatted
afresh, a choice's label translated afresh, a ``format_html``, a ``reverse`` for the row's link,
and the check box built as a widget and rendered; then the template writes the row cell by cell.
Here what does not change from row to row is worked out once a column (the field, the classes,
the link, the empty value's display, the check box's translated label), each distinct date,
number, choice or boolean of a column is displayed once a list, the row's address is reversed
once a list with the primary key put in, and each row comes to the template as one string (a
row of one item, so ``admin/change_list_results.html`` and its overrides still write the table).

What the rows look like is Django's: ``tests/test_admin_list.py`` compares the whole
``{% result_list %}`` of every registered ModelAdmin, for each role that can see it, with
Django's own on the seeded demo, so a Django upgrade that changes the markup fails there.
A list Django writes otherwise (editable rows, a pop-up, a ChangeList or ModelAdmin that
changes how a row's address or check box is made) is left to Django entirely.
"""

import datetime
import types

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.templatetags import admin_list as django_admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, dates, formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .form_renderer import escaped

# Put in place of the primary key when the row's address is reversed once a list.
_PK_MARK = 918273645546372819


def _writes_like_django(cl) -> bool:
    """Whether these rows can be written here: the lists the portal has (no editable rows, no
    pop-up, Django's own ChangeList address and check box, a whole-number primary key)."""
    model_admin = cl.model_admin
    return (
        not cl.formset
        and not cl.is_popup
        and not cl.to_field
        and type(cl).url_for_result is ChangeList.url_for_result
        and type(model_admin).action_checkbox is admin.ModelAdmin.action_checkbox
        and type(model_admin).get_empty_value_display is admin.ModelAdmin.get_empty_value_display
        and isinstance(cl.lookup_opts.pk, models.IntegerField | models.AutoField)
        and cl.lookup_opts.pk.attname == cl.lookup_opts.pk.name
    )


# The pieces of a date format written here, as django.utils.dateformat writes them.
_DATE_PIECES = {
    "j": lambda d, months: str(d.day),
    "d": lambda d, months: f"{d.day:02d}",
    "n": lambda d, months: str(d.month),
    "m": lambda d, months: f"{d.month:02d}",
    "Y": lambda d, months: f"{d.year:04d}",
    "y": lambda d, months: f"{d.year % 100:02d}",
    "F": lambda d, months: months[d.month],
    "G": lambda d, months: str(d.hour),
    "H": lambda d, months: f"{d.hour:02d}",
    "i": lambda d, months: f"{d.minute:02d}",
    "s": lambda d, months: f"{d.second:02d}",
}
_TIME_PIECES = frozenset("GHis")


class _Dates:
    """``formats.localize`` of dates, datetimes (in the current time zone) and times for one
    list: the page's formats and month names looked up once, and a format made only of the
    pieces above (the portal's: "j F Y", "j F Y H:i", "H:i") written directly. Any other
    format, or a value of another type, is Django's own."""

    def __init__(self):
        self.formats = {}
        self.months = None

    def _pieces(self, format_type, allowed):
        """The format's pieces: strings as they are, the letters as functions; None for a
        format with a letter not in ``allowed``."""
        if format_type not in self.formats:
            split = dateformat.re_formatchars.split(str(formats.get_format(format_type)))
            known = all(letter in allowed for letter in split[1::2])
            self.formats[format_type] = (
                [
                    _DATE_PIECES[piece] if index % 2 else dateformat.re_escaped.sub(r"\1", piece)
                    for index, piece in enumerate(split)
                    if piece
                ]
                if known
                else None
            )
        return self.formats[format_type]

    def text(self, value, *, local: bool = True) -> str:
        """``formats.localize(value)``, after ``template_localtime`` for a datetime if
        ``local``."""
        kind = type(value)
        if kind is datetime.datetime:
            if local:
                value = timezone.template_localtime(value)
            pieces = self._pieces("DATETIME_FORMAT", _DATE_PIECES)
        elif kind is datetime.date:
            pieces = self._pieces("DATE_FORMAT", _DATE_PIECES.keys() - _TIME_PIECES)
        elif kind is datetime.time:
            pieces = self._pieces("TIME_FORMAT", _TIME_PIECES)
        else:
            pieces = None
        if pieces is None:
            return formats.localize(value)
        if self.months is None:
            self.months = {number: str(name) for number, name in dates.MONTHS.items()}
        months = self.months
        return "".join(piece if type(piece) is str else piece(value, months) for piece in pieces)


# display_for_field's fields whose value is shown by formats.localize (a datetime in local time).
_DATED_FIELDS = {
    models.DateTimeField: datetime.datetime,
    models.DateField: datetime.date,
    models.TimeField: datetime.time,
}
_DATE_TYPES = frozenset({datetime.datetime, datetime.date, datetime.time})


# The types of values whose equal values are shown alike, so displayed once a list.
_REMEMBERED = frozenset(
    {str, SafeString, int, bool, type(None), datetime.date, datetime.datetime, datetime.time}
)


class _Once(dict):
    """A column's cells' HTML by value: each distinct value displayed and escaped once a list
    (keyed with its type, so that 1, True and 1.0 stay apart)."""

    def __init__(self, display):
        super().__init__()
        self.display = display

    def __missing__(self, key):
        shown = self[key] = escaped(self.display(key[1]))
        return shown


class _Column:
    """One column of ``list_display``: what ``items_for_result`` works out for each of its
    cells that is the same in every row."""

    def __init__(self, cl, field_name, field_index):
        model_admin = cl.model_admin
        self.name = field_name
        # What a cell whose lookup raised ObjectDoesNotExist shows (before the column's own).
        self.empty = self.missing = model_admin.get_empty_value_display()
        self.classes = ["field-" + django_admin_list._coerce_field_name(field_name, field_index)]
        self.field = None
        self.attr = None
        self.kind = "lookup"  # Django's lookup_field for each row, unless one below applies
        try:
            field = _get_non_gfk_field(cl.lookup_opts, field_name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(field_name):
                self.kind, self.attr = "call", field_name
            elif hasattr(model_admin, field_name) and field_name != "__str__":
                self.kind, self.attr = "call", getattr(model_admin, field_name)
            elif isinstance(field_name, str) and isinstance(
                getattr(cl.model, field_name, None), property | types.FunctionType
            ):
                self.kind, self.attr = "model", getattr(cl.model, field_name)
        else:
            self.field = field
            self.kind = "field"
        if self.kind == "lookup":
            return
        if self.kind == "field" and not field.auto_created:
            self.fk = isinstance(field.remote_field, models.ManyToOneRel)
            if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
                self.classes.append("nowrap")
        else:
            # f is None (or auto-created): shown through display_for_value.
            attr = self.attr
            self.empty = getattr(attr, "empty_value_display", self.empty)
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            self.boolean = boolean
            if self.kind == "field":
                self.kind = "auto"
            if field_name == "action_checkbox":
                self.classes = ["action-checkbox"]
                if getattr(attr, "__func__", None) is admin.ModelAdmin.action_checkbox:
                    self.kind = "checkbox"

        self.class_attribute = f' class="{" ".join(self.classes)}"'
        self.dated_class_attribute = f' class="{" ".join([*self.classes, "nowrap"])}"'

    def row_class(self, value) -> str:
        """The cell's class attribute: a date or time shown by a callable does not wrap."""
        if self.kind not in ("field", "checkbox") and isinstance(
            value, datetime.date | datetime.time
        ):
            return self.dated_class_attribute
        return self.class_attribute


class _Rows:
    """The rows of one change list (``cl``), as Django's ``items_for_result`` writes them."""

    def __init__(self, cl):
        self.cl = cl
        model_admin = cl.model_admin
        self.columns = []
        first = True
        for index, name in enumerate(cl.list_display):
            column = _Column(cl, name, index)
            column.link = self._link_in_col(first, name)
            if column.link:
                first = False
            self.columns.append(column)
        self.known = all(column.kind != "lookup" for column in self.columns)
        self.first_link = next((c for c in self.columns if c.link), None)
        self.displays = {}
        self.dates = _Dates()
        opts = cl.opts
        try:
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=(_PK_MARK,),
                current_app=model_admin.admin_site.name,
            )
        except NoReverseMatch:
            self.url = None
        else:
            before, mark, after = url.partition(str(_PK_MARK))
            self.url = (before, after) if mark and str(_PK_MARK) not in after else False
        self.preserved = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
        # ModelAdmin.action_checkbox's label, translated once.
        self.select_label = gettext("Select this object for an action - {}")

    def _link_in_col(self, is_first, field_name) -> bool:
        cl = self.cl
        if cl.list_display_links is None:
            return False
        if is_first and not cl.list_display_links:
            return True
        return field_name in cl.list_display_links

    def _shown(self, column, value) -> str:
        """The escaped ``display_for_field`` / ``display_for_value`` of a column's value,
        worked out once per distinct (hashable) value a list."""
        display = self.displays.get(column.name)
        if display is None:
            empty = column.empty
            if column.kind == "field":
                field, avoid = column.field, column.link
                display = _Once(lambda v: display_for_field(v, field, empty, avoid_link=avoid))
                dated = _DATED_FIELDS.get(type(field))
                if dated is not None and not field.flatchoices:
                    # display_for_field's own branches for a date, a datetime, a time.
                    display = _Once(
                        lambda v, django=display.display: (
                            self.dates.text(v) if type(v) is dated else django(v)
                        )
                    )
            else:
                boolean = column.boolean
                display = _Once(
                    lambda v: (
                        self.dates.text(v)
                        if not boolean and type(v) in _DATE_TYPES
                        else display_for_value(v, empty, boolean)
                    )
                )
            self.displays[column.name] = display
        if type(value) in _REMEMBERED:
            return display[(type(value), value)]
        # Anything else each time: equal values may be shown differently (Decimal("1.0") and
        # Decimal("1.00")), or not be hashable.
        return escaped(display.display(value))

    def _checkbox(self, result) -> str:
        """``ModelAdmin.action_checkbox``, as the check box widget writes it."""
        label = self.select_label.format(escaped(str(result)))  # format_html's own way
        return (
            f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" '
            f'value="{escaped(str(result.pk))}" class="action-select" aria-label="{label}">'
        )

    def _cell(self, column, result) -> tuple[str, str]:
        """The cell's class attribute and its escaped HTML (before any link)."""
        kind = column.kind
        if kind == "field":
            field = column.field
            if column.fk:
                related = getattr(result, field.name)
                return column.row_class(None), escaped(column.empty if related is None else related)
            value = getattr(result, column.name)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            return column.row_class(None), self._shown(column, value)
        if kind == "checkbox":
            return column.row_class(None), self._checkbox(result)
        if kind == "call":
            value = column.attr(result)
        elif kind == "model":
            attr = getattr(result, column.name)
            value = attr() if callable(attr) else attr
        else:  # an auto-created field
            value = getattr(result, column.field.name)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        return column.row_class(value), self._shown(column, value)

    def row(self, result) -> str:
        """The row's cells, as Django's template writes them one after the other."""
        cells = []
        for column in self.columns:
            try:
                row_class, shown = self._cell(column, result)
            except ObjectDoesNotExist:
                row_class, shown = column.class_attribute, column.missing
            if column.link:
                tag = "th" if column is self.first_link else "td"
                cells.append(f"<{tag}{row_class}>{self._linked(result, shown)}</{tag}>")
            else:
                cells.append(f"<td{row_class}>{shown}</td>")
        return "".join(cells)

    def _linked(self, result, shown: str) -> str:
        if self.url is None:
            return shown
        if self.url is False:
            url = self.cl.url_for_result(result)
        else:
            url = f"{self.url[0]}{result.pk}{self.url[1]}"
        url = add_preserved_filters(self.preserved, url)
        return f'<a href="{escaped(url)}">{shown}</a>'


def results(cl):
    """Django's ``results(cl)``: each row a list of one string, its cells."""
    rows = _Rows(cl) if _writes_like_django(cl) else None
    if rows is None or not rows.known:
        return list(django_admin_list.results(cl))
    return [
        django_admin_list.ResultList(None, [SafeString(rows.row(result))])
        for result in cl.result_list
    ]


def result_list(cl):
    """Django's ``result_list(cl)`` (the context of ``admin/change_list_results.html``), with
    the rows written here."""
    headers = list(django_admin_list.result_headers(cl))
    num_sorted_fields = 0
    for h in headers:
        if h["sortable"] and h["sorted"]:
            num_sorted_fields += 1
    return {
        "cl": cl,
        "result_hidden_fields": list(django_admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": num_sorted_fields,
        "results": results(cl),
    }


def result_list_tag(parser, token):
    """``{% portal_result_list cl %}``: Django's ``{% result_list cl %}`` with the rows above."""
    return InclusionAdminNode(
        parser,
        token,
        func=result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
