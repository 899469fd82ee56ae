"""Swedish all the way: every page a person sees, over the seeded demo, in Swedish, with the
Django test client. A page fails when it asks for a message the Swedish catalogue lacks
(tests/i18n_guard.py), when it does not answer, or when a cell shows a raw choice code
("first_hand", "moved_in") instead of its label.

The pages come from the URL patterns (``django.urls.get_resolver``): every named address is
opened by every kind of visitor (nobody signed in, a host through their link, a household through
its link, and the demo's people of each role), so a new page cannot slip through: a named address
without parameters that no visitor could open fails the test. Addresses with an id are opened
with the demo's objects, tried in turn until one is within the visitor's reach. The admin is
walked as the superuser: its index, and the list, a change page and its history for every
registered model.
"""

import re
from collections import defaultdict
from html import unescape
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from tests.conftest import demo_user
from tests.i18n_guard import swedish_misses

pytestmark = pytest.mark.django_db

# Who opens the pages: the demo's people of each role (signed in), besides the anonymous visitor,
# the host and the household (through their links).
PEOPLE = [
    "volontar",
    "volontarsamordnare",
    "riks-samordnare",
    "samordnare",
    "chef",
    "riks-chef",
    "bostadsbolag",
    "handledare",
    "dataskydd",
]

# Addresses that are not pages a person reads, with the reason.
NOT_PAGES = {
    "reports:download_pdf": "a PDF file (tests/reports check its text)",
    "reports:download_xlsx": "an XLSX file (tests/reports check its cells)",
    "hosts:download_data": "the host's data as a JSON file",
    "household:open": "a token in the address: opened through the household's link",
    "hosts:open_link": "a token in the address: opened through the host's link",
    "hosts:confirm": "a token in the address: opened by the confirmation test of hosts",
    "password_reset_confirm": "a token in the address: tests/accounts",
    "outreach_links:follow": "a tagged link: sends on to a sign-up (tests/outreach)",
    "outreach_links:qr_svg": "a QR code as an SVG file (tests/outreach)",
    "outreach_links:qr_png": "a QR code as a PNG file (tests/outreach)",
    "outreach:confirm": "a token in the address: tests/outreach and tests/browser/test_meeting_walk",
    "outreach:my_signup": "a token in the address: tests/outreach and tests/browser/test_meeting_walk",
    "outreach:calendar": "a calendar file (.ics): tests/outreach check its event",
}

# Addresses that only send the visitor on (a 302 for everyone), with the reason.
REDIRECTS = {
    "home": "sends each person to their start page",
    "set_language": "Django's language switch: a form posts to it, a GET goes back",
    "hosts:check": "the sign-up's check step: without the answers of step 1 it goes back to it",
}

# The model whose id an address's parameter names (or the selector of what a person may see).
PARAMETERS = {
    "entry_id": "volunteers.QueueEntry",
    "home_id": "hosts.Home",
    "visit_id": "volunteers.HomeVisit",
    "check_in_id": "volunteers.selectors.check_ins_for",
    "follow_up_id": "volunteers.selectors.check_ins_for",
    "campaign_id": "volunteers.Campaign",
    "application_id": "volunteers.VolunteerApplication",
    "partnership_id": "reports.Partnership",
    "run_id": "reports.ReportRun",
    "source_id": "outreach.selectors.links_for",
    "notice_id": "outreach.selectors.notices_for",
    "meeting_id": "outreach.selectors.meetings_for",
    "municipality_code": "municipalities.Municipality",
}
CANDIDATES = 15  # objects tried per address with an id, newest first
# Who tries the addresses with an id, in this order, until one opens the page.
STAFF_FIRST = ["riks-samordnare", "volontarsamordnare", "volontar", "riks-chef", "chef"]

TEXT = re.compile(r">([^<>]+)<")
SCRIPT = re.compile(r"<(script|style|textarea)\b.*?</\1>", re.S | re.I)


def _named_urls(patterns=None, namespace=None, prefix="/"):
    """(name, route, pattern) of every named address outside the admin."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            if inner and inner.split(":")[0] == "admin":
                continue
            yield from _named_urls(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern), entry


def _raw_codes() -> dict[str, str]:
    """Choice codes that differ from their label (in English and in Swedish), by code: a cell
    showing one shows the code, not the label."""
    codes = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or []:
                if not isinstance(value, str) or not re.fullmatch(
                    r"[a-z][a-z0-9]*_[a-z0-9_]+", value
                ):
                    continue
                with translation.override("sv"):
                    swedish = str(label)
                if value not in (str(label), swedish):
                    codes[value] = f"{model._meta.label}.{field.name}"
    return codes


class Pages:
    def __init__(self):
        self.codes = _raw_codes()
        self.errors: list[str] = []
        self.missed: dict[str, set[str]] = defaultdict(set)  # msgid: the pages asking for it
        self.raw: dict[str, set[str]] = defaultdict(set)  # raw code: the pages showing it
        self.visited: dict[str, list[int]] = defaultdict(list)

    def get(self, who: str, client: Client, path: str, name: str | None = None) -> int:
        with swedish_misses() as missed:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="sv")
        status = response.status_code
        if name:
            self.visited[name].append(status)
        where = f"{path} ({who})"
        if status >= 500:
            self.errors.append(f"{where}: answered {status}")
        for message in missed:
            self.missed[message].add(where)
        if status == 200 and "html" in response.get("Content-Type", ""):
            html = SCRIPT.sub("", response.content.decode())
            for text in TEXT.findall(html):
                text = unescape(text).strip()
                if text in self.codes:
                    self.raw[f"{text!r} ({self.codes[text]})"].add(where)
        return status

    def report(self) -> str:
        """What is wrong, per message and per code, with the pages (at most three named)."""

        def pages(where: set[str]) -> str:
            named = ", ".join(sorted(where)[:3])
            return f"{named}{f' and {len(where) - 3} more' if len(where) > 3 else ''}"

        lines = list(self.errors)
        lines += [
            f"not in the Swedish catalogue: {m!r} on {pages(w)}"
            for m, w in sorted(self.missed.items())
        ]
        lines += [f"shows the raw code {c} on {pages(w)}" for c, w in sorted(self.raw.items())]
        return "\n".join(lines)


def _client(user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    if user is not None:
        client.force_login(user)
    return client


def _candidates(source: str, user) -> list[int]:
    """The newest ids of a model, or of what a selector lets ``user`` see."""
    if source.count(".") == 1:
        queryset = apps.get_model(source).objects.all()
    else:
        module, _dot, function = source.rpartition(".")
        queryset = getattr(import_module(module), function)(user)
    return list(queryset.order_by("-pk").values_list("pk", flat=True)[:CANDIDATES])


def _host_client(host) -> Client:
    from hosts.actions import self_service_url

    type(host).objects.filter(pk=host.pk).update(language="sv")
    client = _client()
    assert client.get(self_service_url(host)).status_code == 302
    return client


def _visitors() -> dict[str, Client]:
    from hosts.models import Home, Host
    from newcomers.actions import household_link_url, issue_household_link
    from newcomers.models import HouseholdLink, NewcomerCase
    from stays.models import Evaluation

    visitors = {"anonymous": _client()}
    # Hosts and households through their own links, in Swedish: those whose survey (after the
    # first month, at the end) is open, and a host whose offer is new (it can still be changed).
    for point in (Evaluation.Point.MONTH_1, Evaluation.Point.END):
        surveys = Evaluation.objects.open().filter(point=point)
        host = surveys.filter(respondent=Evaluation.Respondent.HOST).first().match.home.host
        visitors[f"host ({point})"] = _host_client(host)
        coordinator = demo_user("samordnare")
        case = (
            surveys.filter(
                respondent=Evaluation.Respondent.HOUSEHOLD,
                match__case__partner_id=coordinator.organisation_id,
            )
            .first()
            .match.case
        )
        NewcomerCase.objects.filter(pk=case.pk).update(language="sv")
        link = issue_household_link(
            case=case, user=coordinator, delivery=HouseholdLink.Delivery.LETTER
        )
        visitors[f"household ({point})"] = client = _client()
        assert client.get(household_link_url(link)).status_code == 302
    new = Host.objects.filter(homes__status=Home.Status.REGISTERED, erased_at=None).first()
    visitors["host (new offer)"] = _host_client(new)
    for username in PEOPLE:
        visitors[username] = _client(demo_user(username))
    return visitors


def test_every_page_is_in_swedish(demo, unrecorded_templates):
    pages = Pages()
    visitors = _visitors()
    not_visited = []
    for name, route, pattern in sorted(_named_urls(), key=lambda item: item[:2]):
        if name in NOT_PAGES:
            continue
        parameters = list(pattern.pattern.regex.groupindex)
        if not parameters:
            for who, client in visitors.items():
                pages.get(who, client, route, route)
            if not {200, 405} & set(pages.visited[route]) and name not in REDIRECTS:
                not_visited.append(f"{name} ({route}): {sorted(set(pages.visited[route]))}")
            continue
        if len(parameters) != 1 or parameters[0] not in PARAMETERS:
            not_visited.append(f"{name}: no objects for {parameters}: add them to PARAMETERS")
            continue
        reached = tried = False
        for who in STAFF_FIRST:
            client = visitors[who]
            ids = _candidates(PARAMETERS[parameters[0]], demo_user(who))
            tried = tried or bool(ids)
            for pk in ids:
                path = reverse(name, kwargs={parameters[0]: pk})
                status = pages.get(who, client, path, name)
                if status in (200, 405):
                    reached = True
                    break
                if status in (302, 403):
                    break  # not this visitor's page
            if reached:
                break
        if not reached and tried:
            not_visited.append(f"{name}: no demo object opened it")
    problems = pages.report()
    assert not not_visited, "Pages nobody could open:\n" + "\n".join(not_visited) + "\n" + problems
    assert not problems, problems


def test_every_admin_page_is_in_swedish(demo, unrecorded_templates):
    pages = Pages()
    client = _client(demo_user("admin"))
    assert pages.get("admin", client, reverse("admin:index")) == 200
    for model, _model_admin in sorted(admin.site._registry.items(), key=lambda i: i[0]._meta.label):
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        status = pages.get("admin", client, changelist)
        if status not in (200, 302):
            pages.errors.append(f"{changelist}: answered {status}")
        first = model._default_manager.order_by("-pk").first()
        if first is None:
            continue
        for view in ("change", "history"):
            path = reverse("admin:{}_{}_{}".format(*info, view), args=[first.pk])
            status = pages.get("admin", client, path)
            if status not in (200, 302):
                pages.errors.append(f"{path}: answered {status}")
    problems = pages.report()
    assert not problems, problems
