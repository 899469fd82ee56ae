"""Tagged links: the short address anyone may open (``/t/<code>/``), and the volunteer
coordinators' pages (made for a phone) for their group's links, their QR codes and the group's
"volunteers wanted" notice."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts import roles
from accounts.access import has_role, role_required
from workflow.errors import DomainError

from . import actions, qr, selectors
from .forms import TaggedLinkForm, VolunteersWantedForm
from .models import Source

COORDINATORS = (roles.VOLUNTEER_COORDINATOR,)
# A link's print page and its QR files: a partner's coordinators open theirs from the admin.
ORGANISERS = (roles.VOLUNTEER_COORDINATOR, roles.PARTNER_COORDINATOR)
SIGN_UP = {Source.Target.HOST: "hosts:register", Source.Target.VOLUNTEER: "volunteers:join"}


def short_url(source: Source) -> str:
    """The short address printed on the poster and encoded in its QR code."""
    return settings.SITE_URL + reverse("outreach_links:follow", args=[source.code])


@require_safe  # GET, and HEAD for the scanners that ask first
def follow(request, code):
    """Open the sign-up the link was made for, with its code in the address for the form to
    carry. A retired link opens its sign-up without the code, and an unknown one the host
    sign-up (a poster left up, a mistyped code: never an error). Nothing is stored, no cookie
    is set: the code rides in the address only."""
    source = selectors.tagged_link(code)
    if source is None:
        return redirect("hosts:register")
    where = reverse(SIGN_UP[source.target])
    if source.retired_at is not None:
        return redirect(where)
    return redirect(f"{where}?{urlencode({'source': source.code})}")


# The coordinators' pages -------------------------------------------------------------------


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def links(request):
    """The group's tagged links, each with the registrations and applications that came
    through it so far; and the form that makes a new one."""
    groups = list(selectors.organiser_groups(request.user))
    form = TaggedLinkForm(
        request.POST if request.method == "POST" else None,
        groups=groups,
        meetings=selectors.meetings_for_links(request.user),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                source = actions.make_tagged_link(
                    kind=data["kind"],
                    target=data["target"],
                    label=data["label"],
                    local_group=data["local_group"],
                    meeting=data["meeting"],
                    user=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The link is made. Print its QR code here."))
                return redirect("outreach_links:link", source_id=source.pk)
        else:
            status = 400
    items = list(selectors.links_for(request.user)[:100])
    return render(
        request,
        "outreach/links.html",
        {"form": form, "items": items, "several_groups": len(groups) > 1},
        status=status,
    )


@role_required(*ORGANISERS)
@require_GET
def link(request, source_id):
    """One link: its short address and QR code, laid out to print on A4 and read on a phone."""
    source = selectors.link_for(request.user, source_id)
    url = short_url(source)
    return render(
        request,
        "outreach/link.html",
        {
            "source": source,
            "url": url,
            "in_the_web_app": has_role(request.user, roles.VOLUNTEER_COORDINATOR),
            "qr_svg": qr.inline_svg(url, label=_("QR code for %(url)s") % {"url": url}),
        },
    )


@role_required(*ORGANISERS)
@require_GET
def qr_code(request, source_id, file_kind):
    """The QR code as a file to download: ``svg`` or ``png``."""
    source = selectors.link_for(request.user, source_id)
    url = short_url(source)
    if file_kind == "svg":
        content = '<?xml version="1.0" encoding="UTF-8"?>\n' + qr.svg(url, millimetres_per_module=2)
        response = HttpResponse(content, content_type="image/svg+xml")
    else:
        response = HttpResponse(qr.png(url), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="qr-{source.code}.{file_kind}"'
    return response


@role_required(*COORDINATORS)
@require_POST
def retire(request, source_id):
    source = selectors.link_for(request.user, source_id)
    try:
        actions.retire_tagged_link(source=source, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(
            request,
            _("“%(label)s” is retired: it now opens the sign-up without counting.")
            % {"label": source.label},
        )
    return redirect("outreach_links:links")


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def volunteers_wanted(request):
    """The group's "volunteers wanted" notice: the one shown now (or later), and the form that
    publishes a new one in its place."""
    groups = list(selectors.organiser_groups(request.user))
    form = VolunteersWantedForm(request.POST if request.method == "POST" else None, groups=groups)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.publish_volunteers_wanted(
                    local_group=data["local_group"],
                    user=request.user,
                    needs=data["needs"],
                    languages=data["languages"],
                    message=data["message"],
                    shown_until=data["shown_until"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("The notice is published on the group's municipality pages.")
                )
                return redirect("outreach_links:volunteers_wanted")
        else:
            status = 400
    return render(
        request,
        "outreach/volunteers_wanted.html",
        {
            "form": form,
            "notices": list(selectors.notices_for(request.user)),
            "several_groups": len(groups) > 1,
        },
        status=status,
    )


@role_required(*COORDINATORS)
@require_POST
def take_down(request, notice_id):
    notice = selectors.notice_for(request.user, notice_id)
    try:
        actions.take_down_volunteers_wanted(notice=notice, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("The notice is taken down."))
    return redirect("outreach_links:volunteers_wanted")
