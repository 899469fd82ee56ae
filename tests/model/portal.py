"""A driver of the whole portal through its real entry points, for the state machine.

``Portal`` holds the people (hosts with their own browsers and e-mailed links, volunteers,
coordinators) and one method per thing a person can do. Every method goes through a page with
Django's test client, reads what the page offers (its forms, options, step buttons, bulk
actions), chooses among that and submits it as a browser would. Only the beat tasks are called
directly, as Celery beat would call them. Nothing here calls an action function or sets a status.

Targets are named by position (the 3rd home by id, the 1st open case, …) so that a replay of the
same steps on the same starting world reaches the same objects, whatever their ids.

``problems()`` lists what breaks the portal's invariants right now (the functions after the
class, each reading the database).
"""

import importlib
import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db.models import ForeignKey
from django.test import Client, TestCase
from django.utils import timezone

from hosts.models import Home, Host
from matching.models import Match, MatchTransition
from newcomers.models import NewcomerCase
from tests.factories import registration_post_data
from volunteers.models import Campaign, HomeVisit, QueueEntry
from workflow.models import TransitionLog

from .pages import Form, Page, read_page

TEXTS = ["Värden har flyttat.", "Hyran blev för hög.", "Testskäl", ""]
# Östersund and Krokom by their codes, both covered by the volunteers' one local group.
MUNICIPALITIES = ["2380", "2309"]
# The admin's pages of the three models with a workflow, by the name the steps use.
ADMIN_MODELS = {
    "home": "/admin/hosts/home/",
    "case": "/admin/newcomers/newcomercase/",
    "match": "/admin/matching/match/",
}
HOST_STEPS = ["pause", "resume", "reopen", "withdraw"]


class _AnyDatetime(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, datetime)


class Clock:
    """The portal's clock: the real time plus an offset that only grows.

    ``patch()`` replaces the ``datetime`` that ``django.utils.timezone`` reads, so that
    ``timezone.now()`` and everything built on it (``localdate()``, field defaults such as
    ``default=timezone.now``, ``auto_now``, session expiry) moves together. Signed links read
    ``time.time()`` and are not moved."""

    def __init__(self):
        self.offset = timedelta(0)
        self.moves = 0  # how often time moved: sessions may have run out since
        clock = self

        class ShiftedDatetime(metaclass=_AnyDatetime):
            @staticmethod
            def now(tz=None):
                return datetime.now(tz) + clock.offset

        self._datetime = ShiftedDatetime

    def patch(self):
        return mock.patch("django.utils.timezone.datetime", self._datetime)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
        self.moves += 1


@dataclass
class Person:
    """Someone with a browser. Staff are logged in again when time has moved (their session may
    have run out, as the idle timeout says); hosts open their e-mailed link."""

    name: str
    user: object = None
    client: Client = None
    logged_in_at_move: int | None = None


@dataclass
class HostRecord:
    """What a host knows: their address and the links they were e-mailed."""

    email: str
    phone: str = ""
    pk: int | None = None  # the host's id, once registered (for the notes only)
    confirm_link: str | None = None
    link: str | None = None
    erased: bool = False


@dataclass
class HostState:
    record: HostRecord
    person: Person


@dataclass
class World:
    """The starting world every example shares (built once per test, rolled back to after each
    example): the organisations, the staff, the households and the hosts with their links."""

    orgs: dict
    users: dict
    hosts: list[HostRecord] = field(default_factory=list)
    clock_offset: timedelta = timedelta(0)


class Portal:
    def __init__(self, world: World, clock: Clock, *, say=print, record=lambda text: None):
        self.world = world
        self.clock = clock
        self.say = say
        self.record = record  # hypothesis.event in the machine: what was answered how often
        self.people = {
            name: Person(name, user=user, client=Client()) for name, user in world.users.items()
        }
        self.hosts: list[HostState] = []
        for number, record in enumerate(world.hosts):
            copy = HostRecord(**vars(record))
            self.hosts.append(HostState(copy, self._host_person(number)))
        self.answers: list[str] = []
        self.pending: list[tuple[Person, str, dict]] = []
        # The households' browsers and the link each was last given (its letter's address), by
        # the case's id.
        self.households: dict[int, Person] = {}
        self.household_links: dict[int, str] = {}

    def _host_person(self, number: int) -> Person:
        # Every host browses from an address of their own (the public forms count per address).
        ip = f"10.{number // 250}.{number % 250}.7"
        return Person(f"host {number}", client=Client(REMOTE_ADDR=ip))

    # Requests -----------------------------------------------------------------------------

    def send(self, person: Person, method: str, path: str, data=None):
        """One request, as ``person``; e-mails queued on commit are sent (to ``mail.outbox``)."""
        if person.user is not None and person.logged_in_at_move != self.clock.moves:
            person.client.force_login(person.user)
            person.logged_in_at_move = self.clock.moves
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = getattr(person.client, method)(path, data or {})
        answer = f"{person.name}: {method.upper()} {path} -> {response.status_code}"
        if response.status_code in (301, 302):
            answer += f" {response['Location']}"
        self.answers.append(answer)
        pattern = re.sub(r"/[^/]*\d[^/]*/", "/<id>/", path)
        self.record(f"{method.upper()} {pattern} -> {response.status_code}")
        assert response.status_code < 500, answer
        return response

    def post(self, person: Person, path: str, data: dict, *, later: bool = False):
        """Send a form now, or leave it open in a tab to send later (``send_pending``): by then
        someone else may have acted on the same object."""
        if later:
            self.pending.append((person, path, data))
            self.say(f"  (left open in a tab: {person.name}, {path})")
            return None
        return self.send(person, "post", path, data)

    def send_pending(self, index: int):
        """A form left open in a tab is sent now."""
        if not self.pending:
            return None
        person, path, data = self.pending.pop(index % len(self.pending))
        self.say(f"{person.name} sends the form left open on {path}")
        return self.send(person, "post", path, data)

    def page(self, person: Person, path: str) -> Page:
        return read_page(path, self.send(person, "get", path))

    # Choosing -----------------------------------------------------------------------------

    @staticmethod
    def choose(options, rng: random.Random, want=None):
        options = list(options)
        if want is not None:
            return want if want in options else None
        return rng.choice(options) if options else None

    def fill(self, form: Form, rng: random.Random, **overrides) -> dict:
        """What a person would send: the page's own values, a choice among the options offered,
        dates near today (some in the past), and short texts (now and then none)."""
        today = timezone.localdate()
        data = {}
        for item in form.fields.values():
            if item.name == "csrfmiddlewaretoken":
                continue
            if item.name in overrides:
                if overrides[item.name] is not None:
                    data[item.name] = overrides[item.name]
                continue
            if item.kind == "hidden":
                data[item.name] = item.value
            elif item.kind == "select":
                offered = [value for value in item.options if value]
                data[item.name] = rng.choice(offered) if offered else ""
            elif item.kind == "radio":
                data[item.name] = rng.choice(item.options)
            elif item.kind == "checkbox":
                if rng.random() < 0.7:
                    data[item.name] = item.value
            elif item.kind == "checkboxes":
                data[item.name] = rng.sample(item.options, k=rng.randint(0, len(item.options)))
            elif item.kind == "date":
                days = rng.choice([-120, -1, 0, 0, 0, 1, 3, 10])
                data[item.name] = (today + timedelta(days=days)).isoformat()
            elif item.kind == "time":
                data[item.name] = rng.choice(["09:00", "17:00"])
            elif item.kind == "datetime-local":
                when = timezone.localtime() + timedelta(days=rng.choice([-1, 1, 2]))
                data[item.name] = when.strftime("%Y-%m-%dT%H:%M")
            elif item.kind in ("text", "textarea"):
                data[item.name] = item.value.strip() or rng.choice(TEXTS)
            else:
                data[item.name] = item.value
        return data

    # Objects, by position ------------------------------------------------------------------

    @staticmethod
    def nth(queryset, index: int | None):
        objects = list(queryset.order_by("pk"))
        if not objects or index is None:
            return None
        return objects[index % len(objects)]

    def describe_home(self, home: Home) -> str:
        for number, host in enumerate(self.hosts):
            if host.record.pk is not None and home.host_id == host.record.pk:
                return f"home of host {number} ({home.status})"
        return f"home #{home.pk} ({home.status})"

    # Hosts: sign-up, confirmation, self-service --------------------------------------------

    def _mail_link(self, email: str, prefix: str) -> str | None:
        for message in reversed(mail.outbox):
            if email in message.to:
                found = re.search(re.escape(settings.SITE_URL + prefix) + r"\S+", message.body)
                if found:
                    return found.group(0).removeprefix(settings.SITE_URL)
        return None

    def sign_up(
        self, *, beds: int = 2, municipality: str = "2380", twin_of: int | None = None
    ) -> int:
        """A resident offers a room on /offer/, checks the answers and sends them with consent
        (``twin_of``: a host who already registered registers again, with the same address and
        phone number: a duplicate). Returns the new host's number."""
        number = len(self.hosts)
        twin = self.host(twin_of) if twin_of is not None else None
        if twin is not None and twin.record.erased:
            twin = None
        email = twin.record.email if twin else f"vard{number}@example.org"
        phone = twin.record.phone if twin else f"070-{1_000_000 + number:07d}"
        person = self._host_person(number)
        record = HostRecord(email=email, phone=phone)
        self.hosts.append(HostState(record, person))
        data = registration_post_data(
            name=f"Värd {number}",
            email=email,
            phone=phone,
            beds=str(beds),
            municipality=municipality,
        )
        response = self.send(person, "post", "/offer/", data)
        assert response.status_code == 302, self.answers[-1]
        response = self.send(person, "post", "/offer/check/", {"consent": "on"})
        if response.status_code == 302 and response["Location"].endswith("/offer/sent/"):
            record.confirm_link = self._mail_link(email, "/offer/confirm/")
            assert record.confirm_link, f"host {number} was sent no confirmation link"
            record.pk = Host.objects.filter(email=email).order_by("-pk").values("pk")[0]["pk"]
        twice = f", again as host {self.hosts.index(twin)}" if twin else ""
        self.say(f"host {number} signs up ({beds} beds, {municipality}{twice})")
        return number

    def host(self, number: int) -> HostState | None:
        return self.hosts[number % len(self.hosts)] if self.hosts else None

    def confirm(self, number: int) -> None:
        """The host follows the link in the confirmation e-mail."""
        host = self.host(number)
        if host is None or host.record.confirm_link is None:
            return
        self.say(f"host {number % len(self.hosts)} opens the confirmation link")
        self.send(host.person, "get", host.record.confirm_link)

    def open_self_service(self, host: HostState) -> bool:
        """The host opens the link they have, or asks for a new one on /my-offer/link/ when they
        have none or a newer link or a withdrawal replaced it; False when no link works (their
        data was erased, or the limit of links is used up)."""
        link = host.record.link
        if link is not None and self.send(host.person, "get", link).status_code == 302:
            return True
        self.send(host.person, "post", "/my-offer/link/", {"email": host.record.email})
        host.record.link = self._mail_link(host.record.email, "/my-offer/open/")
        if host.record.link is None:
            return False
        response = self.send(host.person, "get", host.record.link)
        return response.status_code == 302

    def host_step(
        self, number: int, rng: random.Random, step: str = "offered", *, later: bool = False
    ) -> None:
        """On /my-offer/ the host presses one of the step links offered (``step="offered"``), or
        goes to a step's page directly (an old tab, a bookmark) and confirms it."""
        host = self.host(number)
        if host is None or not self.open_self_service(host):
            return
        page = self.page(host.person, "/my-offer/")
        offered = [
            name
            for name in HOST_STEPS
            if any(link.href == f"/my-offer/{name}/" for link in page.links)
        ]
        chosen = self.choose(offered, rng) if step == "offered" else step
        if chosen is None:
            return
        self.say(f"host {number % len(self.hosts)}: {chosen} (offered: {offered})")
        step_page = self.page(host.person, f"/my-offer/{chosen}/")
        form = step_page.main_form() if step_page.status == 200 else None
        data = self.fill(form, rng) if form else {}
        self.post(host.person, f"/my-offer/{chosen}/", data, later=later)

    def host_change_offer(self, number: int, rng: random.Random, beds: int | None = None) -> None:
        host = self.host(number)
        if host is None or not self.open_self_service(host):
            return
        page = self.page(host.person, "/my-offer/change/")
        form = page.form_with("beds") if page.status == 200 else None
        if form is None:
            return
        beds = beds or rng.randint(1, 4)
        data = {name: item.value for name, item in form.fields.items() if item.kind != "checkbox"}
        for name, item in form.fields.items():
            if item.kind == "checkbox" and item.checked:
                data[name] = item.value
            if item.kind == "checkboxes":
                data[name] = [value for value in item.options if value in ("sv", "en")]
            if item.kind in ("select", "radio") and not item.value and item.options:
                data[name] = item.options[-1]
        data["beds"] = str(beds)
        self.say(f"host {number % len(self.hosts)} changes the offer to {beds} beds")
        self.send(host.person, "post", "/my-offer/change/", data)

    def host_erase(self, number: int) -> None:
        host = self.host(number)
        if host is None or not self.open_self_service(host):
            return
        self.say(f"host {number % len(self.hosts)} erases their data")
        self.page(host.person, "/my-offer/erase/")
        response = self.send(host.person, "post", "/my-offer/erase/", {})
        if response.status_code == 200:
            host.record.erased = True

    def host_download(self, number: int) -> None:
        host = self.host(number)
        if host is None or not self.open_self_service(host):
            return
        response = self.send(host.person, "get", "/my-offer/data/")
        if response.status_code == 200:
            json.loads(response.content)

    # Volunteers: the call queue, visits ----------------------------------------------------

    def claim_next(self, who: str) -> None:
        self.say(f"{who} claims the next host in the call queue")
        self.send(self.people[who], "post", "/volunteer/queue/next/")

    def record_outcome(
        self,
        who: str,
        rng: random.Random,
        outcome: str | None = None,
        book: bool = False,
        *,
        later: bool = False,
    ) -> None:
        """On the call page, the volunteer records one of the outcomes offered; when the page
        then sends them to book a visit, they may book it at once."""
        person = self.people[who]
        page = self.page(person, "/volunteer/queue/")
        form = page.form_with("outcome")
        if form is None:
            return
        offered = form.fields["outcome"].options
        chosen = self.choose(offered, rng, want=outcome)
        if chosen is None:
            return
        callback = timezone.localtime() + timedelta(days=1)
        data = self.fill(
            form,
            rng,
            outcome=chosen,
            callback_at=callback.strftime("%Y-%m-%dT%H:%M") if chosen == "not_now" else "",
            note=rng.choice(TEXTS),
        )
        self.say(f"{who} records the call: {chosen} (offered: {offered})")
        response = self.post(person, form.action, data, later=later)
        target = response.get("Location", "") if response is not None else ""
        if book and re.fullmatch(r"/volunteer/homes/\d+/visit/", target):
            self._book(person, who, target, rng, days=1)

    def hand_back(self, who: str) -> None:
        person = self.people[who]
        page = self.page(person, "/volunteer/queue/")
        for form in page.post_forms():
            if "hand-back" in form.action:
                self.say(f"{who} hands the host back to the queue")
                self.send(person, "post", form.action, {"note": "Fel nummer?"})
                return

    def book_visit(
        self,
        who: str,
        home_index: int,
        rng: random.Random,
        *,
        any_home=False,
        days=None,
        later: bool = False,
    ) -> None:
        """The volunteer books a visit for a contacted home (or, with ``any_home``, tries any
        home: an old link)."""
        homes = Home.objects.all() if any_home else Home.objects.filter(status="contacted")
        home = self.nth(homes, home_index)
        if home is None:
            return
        self.say(f"{who} books a visit at {self.describe_home(home)}")
        path = f"/volunteer/homes/{home.pk}/visit/"
        self._book(self.people[who], who, path, rng, days=days, later=later)

    def _book(self, person, who, path, rng, days=None, later=False) -> None:
        page = self.page(person, path)
        form = page.form_with("day", "time")
        if form is None:
            return
        day = timezone.localdate() + timedelta(
            days=days if days is not None else rng.choice([0, 1, 2, 7])
        )
        data = self.fill(form, rng, day=day.isoformat())
        if rng.random() < 0.7:
            data["second_volunteer"] = ""
        self.post(person, path, data, later=later)

    def my_visit(self, who: str, visit_index: int, *, any_visit: bool = False):
        """A booked visit the volunteer opens from their start page (or, with ``any_visit``, any
        booked visit: a link someone passed on)."""
        if any_visit:
            return self.nth(HomeVisit.objects.filter(status="booked"), visit_index)
        page = self.page(self.people[who], "/volunteer/")
        ids = sorted(
            {
                int(found.group(1))
                for link in page.links
                if (found := re.fullmatch(r"/volunteer/visits/(\d+)/", link.href))
            }
        )
        if not ids:
            return None
        return HomeVisit.objects.get(pk=ids[visit_index % len(ids)])

    def report_visit(
        self,
        who: str,
        visit_index: int,
        rng: random.Random,
        verdict: str | None = None,
        *,
        any_visit: bool = False,
        later: bool = False,
    ) -> None:
        visit = self.my_visit(who, visit_index, any_visit=any_visit)
        if visit is None:
            return
        person = self.people[who]
        path = f"/volunteer/visits/{visit.pk}/"
        page = self.page(person, path)
        form = page.form_with("verdict")
        if form is None:
            return
        chosen = self.choose(form.fields["verdict"].options, rng, want=verdict)
        reason = "Fukt i källaren." if rng.random() < 0.8 else ""
        data = self.fill(form, rng, verdict=chosen, report="Ett ljust rum.", reject_reason=reason)
        starts = timezone.localtime(visit.starts_at)
        self.say(
            f"{who} reports the visit at {self.describe_home(visit.home)} "
            f"(starts {starts:%Y-%m-%d %H:%M}, now {timezone.localtime():%Y-%m-%d %H:%M}): "
            f"{chosen}"
        )
        self.post(person, path, data, later=later)

    def other_visit_form(
        self,
        who: str,
        visit_index: int,
        rng: random.Random,
        *,
        any_visit: bool = False,
        later: bool = False,
    ) -> None:
        """Any other form the visit page offers (moving or cancelling the visit)."""
        visit = self.my_visit(who, visit_index, any_visit=any_visit)
        if visit is None:
            return
        person = self.people[who]
        path = f"/volunteer/visits/{visit.pk}/"
        page = self.page(person, path)
        others = [form for form in page.own_forms() if not form.has("verdict")]
        form = self.choose(others, rng)
        if form is None:
            return
        data = self.fill(form, rng)
        if form.buttons:
            button = rng.choice(form.buttons)
            if button.name:
                data[button.name] = button.value
        target = form.action or path
        self.say(f"{who} sends the form {target} on the visit page: {data}")
        self.post(person, target, data, later=later)

    # The volunteer coordinator's pages ----------------------------------------------------

    def refer(
        self, rng: random.Random, home_index: int | None = None, *, later: bool = False
    ) -> None:
        person = self.people["volcoord"]
        page = self.page(person, "/volunteer/referrals/")
        forms = [form for form in page.post_forms() if form.has("home") and form.has("partner")]
        if not forms:
            return
        form = forms[home_index % len(forms)] if home_index is not None else rng.choice(forms)
        wanted = str(self.world.orgs["partner"].pk)
        # Mostly the partner whose coordinator the machine has; now and then any partner offered.
        data = self.fill(form, rng, **({"partner": wanted} if rng.random() < 0.85 else {}))
        home = Home.objects.get(pk=data["home"])
        self.say(f"volcoord refers {self.describe_home(home)} to partner {data.get('partner')}")
        self.post(person, "/volunteer/referrals/", data, later=later)

    def merge_duplicates(self, index: int, rng: random.Random, *, keep: int | None = None) -> None:
        """The volunteer coordinator opens the duplicates page of a home registered more than
        once (the call page links to it) and keeps one of the registrations."""
        twice = [
            home
            for home in Home.objects.filter(host__isnull=False, duplicate_of__isnull=True)
            .select_related("host")
            .order_by("pk")
            if home.host.email
            and Home.objects.filter(host__email__iexact=home.host.email, duplicate_of__isnull=True)
            .exclude(pk=home.pk)
            .exists()
        ]
        if not twice:
            return
        home = twice[index % len(twice)]
        person = self.people["volcoord"]
        path = f"/volunteer/homes/{home.pk}/duplicates/"
        page = self.page(person, path)
        form = page.form_with("keep")
        if form is None:
            return
        options = form.fields["keep"].options
        chosen = options[keep % len(options)] if keep is not None else rng.choice(options)
        kept = Home.objects.get(pk=chosen)
        others = Home.objects.filter(pk__in=options).exclude(pk=chosen).order_by("pk")
        self.say(
            f"volcoord merges {[self.describe_home(other) for other in others]} into "
            f"{self.describe_home(kept)}"
        )
        self.post(person, path, {"keep": chosen})

    def start_campaign(self, rng: random.Random, stage: str | None = None) -> None:
        person = self.people["volcoord"]
        page = self.page(person, "/volunteer/campaigns/")
        form = page.form_with("name", "stage")
        if form is None:
            return
        options = form.fields["stage"].options
        chosen = stage if stage is not None else rng.choice(options)
        data = self.fill(
            form, rng, name="Statuskoll", stage=chosen, registered_from="", registered_to=""
        )
        self.say(f"volcoord starts a campaign (stage {chosen or 'any'})")
        self.send(person, "post", "/volunteer/campaigns/", data)

    def end_campaign(self, campaign_index: int) -> None:
        campaign = self.nth(Campaign.objects.filter(ended_at__isnull=True), campaign_index)
        if campaign is None:
            return
        person = self.people["volcoord"]
        path = f"/volunteer/campaigns/{campaign.pk}/"
        page = self.page(person, path)
        for form in page.post_forms():
            for button in form.buttons:
                if button.name == "end":
                    self.say("volcoord ends the campaign")
                    self.send(person, "post", form.action or path, {"end": button.value})
                    return

    # The admin ----------------------------------------------------------------------------

    def _admin_objects(self, model: str):
        return {"home": Home, "case": NewcomerCase, "match": Match}[model].objects.all()

    def admin_step(
        self,
        who: str,
        model: str,
        index: int,
        rng: random.Random,
        step: str | None = None,
        *,
        later: bool = False,
        **overrides,
    ) -> None:
        """On an object's change page the person presses one of the step buttons shown, and
        fills in the step's own form (a reason, a date, a partner) if it has one."""
        obj = self.nth(self._admin_objects(model), index)
        if obj is None:
            return
        person = self.people[who]
        page = self.page(person, f"{ADMIN_MODELS[model]}{obj.pk}/change/")
        if page.status != 200:
            return
        buttons = {
            link.attrs.get("data-step"): link.href
            for link in page.links
            if "workflow-step" in link.attrs.get("class", "")
        }
        chosen = self.choose(sorted(buttons), rng, want=step)
        if chosen is None:
            return
        step_page = self.page(person, buttons[chosen])
        form = step_page.main_form() if step_page.status == 200 else None
        data = self.fill(form, rng, **overrides) if form else {}
        data["_confirm"] = "1"
        what = self.describe_home(obj) if model == "home" else f"{model} #{obj.pk} ({obj.status})"
        self.say(f"{who}: admin step {chosen} on {what} with {data}")
        self.post(person, buttons[chosen], data, later=later)

    def admin_bulk(
        self,
        who: str,
        model: str,
        rng: random.Random,
        action: str | None = None,
        rows: list[int] | None = None,
        *,
        later: bool = False,
    ) -> None:
        """On the changelist the person ticks some rows and runs one of the step actions."""
        person = self.people[who]
        path = ADMIN_MODELS[model]
        page = self.page(person, path)
        form = page.form_with("action")
        if form is None or "_selected_action" not in form.fields:
            return
        offered = [value for value in form.fields["action"].options if value.startswith("step_")]
        chosen = self.choose(offered, rng, want=action)
        ids = form.fields["_selected_action"].options
        if chosen is None or not ids:
            return
        if rows is not None:
            picked = [ids[i % len(ids)] for i in rows]
        else:
            picked = rng.sample(ids, k=rng.choice([1, 1, len(ids)]))
        objects = self._admin_objects(model).filter(pk__in=picked).order_by("pk")
        names = [
            self.describe_home(o) if model == "home" else f"{model} #{o.pk} ({o.status})"
            for o in objects
        ]
        self.say(f"{who}: bulk {chosen} on {names}")
        data = {"action": chosen, "_selected_action": picked, "index": "0", "select_across": "0"}
        self.post(person, path, data, later=later)

    def propose_from_suggestions(
        self, case_index: int, rng: random.Random, home=None, *, later: bool = False
    ) -> None:
        """On a waiting case's page the coordinator presses "Propose" beside a suggested home."""
        case = self.nth(NewcomerCase.objects.all(), case_index)
        if case is None:
            return
        person = self.people["partcoord"]
        path = f"/admin/newcomers/newcomercase/{case.pk}/change/"
        page = self.page(person, path)
        if page.status != 200:
            return
        buttons = [
            (form, button)
            for form in page.post_forms()
            for button in form.buttons
            if "/propose/" in button.formaction
        ]
        if home is not None:
            buttons = [pair for pair in buttons if f"/propose/{home.pk}/" in pair[1].formaction]
        if not buttons:
            return
        form, button = rng.choice(buttons)
        home_id = int(button.formaction.rstrip("/").rsplit("/", 1)[1])
        target = Home.objects.get(pk=home_id)
        self.say(f"partcoord proposes {self.describe_home(target)} for case {case.reference}")
        data = {name: item.value for name, item in form.fields.items() if item.kind != "checkbox"}
        self.post(person, button.formaction, data, later=later)

    def propose_with_the_add_form(self, rng: random.Random, *, later: bool = False) -> None:
        person = self.people["partcoord"]
        page = self.page(person, "/admin/matching/match/add/")
        form = page.form_with("case", "home")
        if form is None:
            return
        data = self.fill(form, rng)
        data["_save"] = "Save"
        self.say(f"partcoord proposes with the add form: case {data['case']}, home {data['home']}")
        self.post(person, "/admin/matching/match/add/", data, later=later)

    # The household: its own pages, through its link ---------------------------------------

    def household(self, case: NewcomerCase) -> Person | None:
        """The household's browser with its pages open: it opens the link of its letter; when it
        has none, or the link no longer works (a newer one, expired), the partner's coordinator
        gives it a new letter on the case's page (``step/give_link/``) and the household opens the
        address printed in it. None when no link can be given (a closed case, another partner's)."""
        person = self.households.setdefault(
            case.pk, Person(f"household {case.reference}", client=Client())
        )
        link = self.household_links.get(case.pk)
        if link is not None and self.send(person, "get", link).status_code == 302:
            return person
        coordinator = self.people["partcoord"]
        path = f"{ADMIN_MODELS['case']}{case.pk}/step/give_link/"
        response = self.send(coordinator, "post", path, {"delivery": "letter", "_confirm": "1"})
        letter = response.get("Location", "") if response.status_code == 302 else ""
        if not letter.endswith("/household-link/letter/"):
            return None
        html = self.send(coordinator, "get", letter).content.decode()
        found = re.search(re.escape(settings.SITE_URL) + r"(/household/open/[^<\s\"]+/)", html)
        assert found, f"the letter of case {case.reference} has no link"
        self.household_links[case.pk] = found.group(1)
        self.say(f"partcoord gives household {case.reference} a new letter")
        if self.send(person, "get", found.group(1)).status_code != 302:
            return None
        return person

    def _household_case(self, index: int, statuses, any_case: bool):
        """The household of a case with a match at one of ``statuses`` (or, with ``any_case``,
        of any case: a household whose page has nothing of the kind)."""
        cases = NewcomerCase.objects.all()
        if not any_case:
            cases = cases.filter(matches__status__in=statuses).distinct()
        return self.nth(cases, index)

    def household_answers(
        self,
        index: int,
        rng: random.Random,
        answer: str | None = None,
        *,
        any_case: bool = False,
        later: bool = False,
    ) -> None:
        """The household of a proposed match opens the proposal on its own page and says yes or
        no (``answer``; None: one of those the page offers). Without a proposal on its page it
        sends the answer all the same (an old tab)."""
        case = self._household_case(index, [Match.Status.PROPOSED], any_case)
        person = self.household(case) if case is not None else None
        if person is None:
            return
        page = self.page(person, "/household/proposal/")
        form = page.form_with("answer")
        if form is not None:
            chosen = self.choose(form.fields["answer"].options, rng, want=answer)
        else:
            chosen = answer or rng.choice(["yes", "no"])
        self.say(
            f"household {case.reference} answers {chosen} ({'offered' if form else 'no form'})"
        )
        self.post(person, "/household/proposal/", {"answer": chosen}, later=later)

    def household_concern(
        self,
        index: int,
        rng: random.Random,
        urgency: str | None = None,
        *,
        any_case: bool = False,
        later: bool = False,
    ) -> None:
        """The household of an approved or moved-in stay says that something is wrong on its own
        page: how urgent, in its own words (now and then none)."""
        case = self._household_case(index, [Match.Status.APPROVED, Match.Status.MOVED_IN], any_case)
        person = self.household(case) if case is not None else None
        if person is None:
            return
        page = self.page(person, "/household/concern/")
        form = page.form_with("urgency", "text")
        text = rng.choice(["Det är kallt i rummet.", "Vi bråkar om köket.", ""])
        if form is not None:
            data = self.fill(form, rng, text=text, **({"urgency": urgency} if urgency else {}))
        else:
            data = {"urgency": urgency or "normal", "text": text}
        self.say(f"household {case.reference} raises a concern: {data.get('urgency')}, {text!r}")
        self.post(person, "/household/concern/", data, later=later)

    # Beat, time, and looking around -------------------------------------------------------

    def run_beat_task(self, name: str) -> None:
        """One entry of ``CELERY_BEAT_SCHEDULE``, run as beat would run it (in-process)."""
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        module, function = entry["task"].rsplit(".", 1)
        task = getattr(importlib.import_module(module), function)
        self.say(f"beat runs {name}")
        with TestCase.captureOnCommitCallbacks(execute=True):
            task(*entry.get("args", ()), **entry.get("kwargs", {}))

    def move_time(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self.say(f"time moves forward {delta} (now {timezone.localtime():%Y-%m-%d %H:%M})")

    def look_at(self, who: str, what: str, index: int = 0) -> None:
        """Open a page and read it: it must answer, whatever the state."""
        paths = {
            "start": "/volunteer/",
            "queue": "/volunteer/queue/",
            "campaigns": "/volunteer/campaigns/",
            "referrals": "/volunteer/referrals/",
            "admin": "/admin/",
            "homes": "/admin/hosts/home/",
            "cases": "/admin/newcomers/newcomercase/",
            "matches": "/admin/matching/match/",
            "plan": "/admin/newcomers/newcomercase/plan/",
        }
        if what in paths:
            path = paths[what]
        else:  # a change page
            obj = self.nth(self._admin_objects(what), index)
            if obj is None:
                return
            path = f"{ADMIN_MODELS[what]}{obj.pk}/change/"
        self.send(self.people[who], "get", path)

    # Invariants ---------------------------------------------------------------------------

    def problems(self, *, known: bool = False) -> list[str]:
        """What breaks the invariants now; without ``known``, leaving out the known defects
        (``KNOWN_DEFECTS``), which their regression tests report."""
        found = [
            *visited_homes_without_report(),
            *visits_out_of_line(),
            *queue_out_of_line(),
            *live_match_problems(),
            *history_out_of_line(),
            *household_answers_out_of_line(),
            *concerns_out_of_line(),
        ]
        if known:
            return found
        return [
            problem
            for problem in found
            if not any(pattern.search(problem) for pattern in KNOWN_DEFECTS.values())
        ]


# Defects the machine found that are not fixed yet, by the regression test that replays each
# (``tests/model/test_regressions.py``, marked xfail, strict). The machine does not fail on them,
# so that it goes on looking for others; when one is fixed its regression test passes, strict
# xfail turns that into a failure, and its entry here goes together with the xfail mark.
KNOWN_DEFECTS: dict = {}


# The invariants, read from the database after every step --------------------------------------


def visited_homes_without_report() -> list[str]:
    """Every home that is, or has been, visited has a filed visit report that says suitable,
    filed no earlier than the visit began."""
    found = []
    visited = Home.objects.filter(status=Home.Status.VISITED) | Home.objects.filter(
        transitions__to_state=Home.Status.VISITED
    )
    for home in visited.distinct():
        if not home.visits.filter(status=HomeVisit.Status.REPORTED, verdict="suitable").exists():
            merged = f", merged into #{home.duplicate_of_id}" if home.duplicate_of_id else ""
            found.append(
                f"home #{home.pk} ({home.status}{merged}) was visited with no report filed"
            )
    for visit in HomeVisit.objects.filter(
        status=HomeVisit.Status.REPORTED, reported_at__isnull=False
    ):
        if visit.reported_at < visit.starts_at:
            found.append(
                f"visit #{visit.pk} was reported at {visit.reported_at:%Y-%m-%d %H:%M}, "
                f"before it began at {visit.starts_at:%Y-%m-%d %H:%M}"
            )
    return found


def visits_out_of_line() -> list[str]:
    """A home at "visit booked" has one booked visit, and a booked visit belongs to a home at
    that stage (or paused there): a visit left booked on a withdrawn or rejected home would stay
    on the volunteers' list with no way to report it."""
    found = []
    booked = HomeVisit.objects.filter(status=HomeVisit.Status.BOOKED).select_related("home")
    per_home = {}
    for visit in booked:
        per_home[visit.home_id] = per_home.get(visit.home_id, 0) + 1
        if visit.home.status not in (Home.Status.VISIT_BOOKED, Home.Status.PAUSED):
            merged = Home.objects.filter(duplicate_of_id=visit.home_id).exists()
            found.append(
                f"visit #{visit.pk} is still booked although its home #{visit.home_id} is "
                f"{visit.home.status}{' (a duplicate was merged into it)' if merged else ''}"
            )
    for pk in Home.objects.filter(status=Home.Status.VISIT_BOOKED).values_list("pk", flat=True):
        if per_home.get(pk, 0) != 1:
            found.append(f"home #{pk} is at visit booked with {per_home.get(pk, 0)} booked visits")
    return found


def queue_out_of_line() -> list[str]:
    """Every home that can be called is in the call queue, and no other is, except a home an
    active campaign holds at a campaign stage."""
    callable_homes = set(
        Home.objects.filter(
            status__in=Home.CALLABLE_STAGES,
            host__confirmed_at__isnull=False,
            host__erased_at__isnull=True,
            duplicate_of__isnull=True,
        ).values_list("pk", flat=True)
    )
    queued = {
        entry.home_id: entry
        for entry in QueueEntry.objects.filter(needs_call=True).select_related(
            "campaign", "home__host"
        )
    }
    found = [
        f"home #{pk} can be called but is not in the queue" for pk in callable_homes - set(queued)
    ]
    for pk in set(queued) - callable_homes:
        entry = queued[pk]
        home = entry.home
        held = (
            entry.campaign is not None
            and entry.campaign.is_active
            and home.status in Home.CAMPAIGN_STAGES
            and home.duplicate_of_id is None
            and (home.host is None or home.host.erased_at is None)
        )
        if not held:
            campaign = (
                entry.campaign
                and f"campaign #{entry.campaign.pk}, active {entry.campaign.is_active}"
            )
            found.append(
                f"home #{pk} ({home.status}) is in the queue but cannot be called "
                f"(rank {entry.rank}, {campaign or 'no campaign'})"
            )
    return found


def live_match_problems() -> list[str]:
    """At most one live match per home and per case, none on a withdrawn home, and a live match
    agrees with the stages of its home and its case."""
    found = []
    live = list(Match.objects.live().select_related("home", "case"))
    for attr in ("home_id", "case_id"):
        seen = {}
        for match in live:
            key = getattr(match, attr)
            if key in seen:
                found.append(
                    f"two live matches for {attr[:-3]} #{key}: #{seen[key]} and #{match.pk}"
                )
            seen[key] = match.pk
    expected = {
        Match.Status.PROPOSED: ({Home.Status.REFERRED}, {NewcomerCase.Status.WAITING}),
        Match.Status.APPROVED: ({Home.Status.MATCHED}, {NewcomerCase.Status.MATCHED}),
        Match.Status.MOVED_IN: ({Home.Status.MATCHED}, {NewcomerCase.Status.HOUSED}),
    }
    for match in live:
        if match.home.status == Home.Status.WITHDRAWN:
            found.append(f"match #{match.pk} ({match.status}) is live on a withdrawn home")
            continue
        homes, cases = expected[match.status]
        if match.home.status not in homes or match.case.status not in cases:
            found.append(
                f"match #{match.pk} is {match.status} but its home is {match.home.status} and "
                f"its case {match.case.status}"
            )
    today = timezone.localdate()
    for match in live:
        if match.status == Match.Status.MOVED_IN and (
            match.move_in_date is None or match.move_in_date > today
        ):
            found.append(f"match #{match.pk} is moved in, with a move-in date {match.move_in_date}")
    live_homes = {match.home_id for match in live if match.status != Match.Status.PROPOSED}
    live_cases = {match.case_id for match in live if match.status != Match.Status.PROPOSED}
    for pk in (
        Home.objects.filter(status=Home.Status.MATCHED)
        .exclude(pk__in=live_homes)
        .values_list("pk", flat=True)
    ):
        found.append(f"home #{pk} is matched without an approved match")
    stuck = NewcomerCase.objects.filter(
        status__in=[NewcomerCase.Status.MATCHED, NewcomerCase.Status.HOUSED]
    ).exclude(pk__in=live_cases)
    for pk, status in stuck.values_list("pk", "status"):
        found.append(f"case #{pk} is {status} without an approved match")
    return found


def household_answers_out_of_line() -> list[str]:
    """A match is approved only after its household said yes: every match that is, or has been,
    approved has the household's yes, given no later than the approval."""
    found = []
    approvals = {}
    for match_id, created_at in (
        MatchTransition.objects.filter(to_state=Match.Status.APPROVED)
        .order_by("created_at")
        .values_list("match_id", "created_at")
    ):
        approvals.setdefault(match_id, created_at)
    for match in Match.objects.filter(pk__in=approvals):
        if match.household_answer != Match.HouseholdAnswer.YES:
            found.append(
                f"match #{match.pk} ({match.status}) was approved, but the household's answer "
                f"is {match.household_answer or 'none'}"
            )
        elif match.household_answered_at and match.household_answered_at > approvals[match.pk]:
            found.append(f"match #{match.pk} was approved before the household said yes")
    return found


def concerns_out_of_line() -> list[str]:
    """A concern is about a stay: raised while its match was approved or moved in, and still
    open only while the stay goes on (a stay that ends closes its concerns)."""
    from stays.models import Concern

    found = []
    live = {Match.Status.APPROVED, Match.Status.MOVED_IN}
    still_open = {
        Concern.Status.OPENED,
        Concern.Status.ACKNOWLEDGED,
        Concern.Status.IN_MEDIATION,
    }
    for concern in Concern.objects.select_related("match"):
        match = concern.match
        if not match.transitions.filter(
            to_state=Match.Status.APPROVED, created_at__lte=concern.created_at
        ).exists():
            found.append(
                f"concern #{concern.pk} (by the {concern.raised_by}) was raised on match "
                f"#{match.pk} before it was approved"
            )
        if concern.status in still_open and match.status not in live:
            found.append(
                f"concern #{concern.pk} is {concern.status} on match #{match.pk}, which is "
                f"{match.status}"
            )
    return found


def history_models():
    """Every model with an append-only history (a ``TransitionLog``), the history's key to it,
    and the field its history follows: ``status``, or ``kind`` for a contract."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, TransitionLog):
            continue
        for model_field in model._meta.get_fields():
            if isinstance(model_field, ForeignKey) and model_field.name != "actor":
                parent = model_field.related_model
                names = {f.name for f in parent._meta.get_fields()}
                if "status" in names or "kind" in names:
                    state = "status" if "status" in names else "kind"
                    found.append((model, model_field.name, parent, state))
    return found


def history_out_of_line() -> list[str]:
    """Each object's stage is the ``to_state`` of the last row of its history, and every object
    of a model with a history has one."""
    found = []
    for log, key, parent, state in history_models():
        last = {}
        for owner, to_state in log.objects.order_by("created_at", "pk").values_list(
            f"{key}_id", "to_state"
        ):
            last[owner] = to_state
        for pk, value in parent.objects.values_list("pk", state):
            if pk not in last:
                found.append(f"{parent._meta.label} #{pk} ({value}) has no history")
            elif last[pk] != value:
                found.append(
                    f"{parent._meta.label} #{pk} is {value} but its history ends at {last[pk]}"
                )
    return found


# The starting world ----------------------------------------------------------------------------


def build_world(portal: Portal) -> None:
    """The hosts of the starting world, made through the pages: host 0 signed up and never
    confirmed; 1 waits in the call queue; 2 is contacted; 3 has a visit booked that has begun (it
    can be reported) and 9 one that has not (it can be moved or cancelled); 4 is visited; 5 to 8
    are referred to the partner: 5 free, 6 proposed, 7 approved, 8 moved in; 10 is unreachable
    (a wrong number). A status campaign of every stage is running."""
    rng = random.Random(0)
    for number in range(11):
        portal.sign_up(beds=2 + number % 2)
    for number in range(2, 11):
        portal.confirm(number)
    for number in range(2, 11):  # the queue calls the oldest registration first
        portal.claim_next("volunteer")
        outcome = "wrong_number" if number == 10 else "interested"
        portal.record_outcome("volunteer", rng, outcome=outcome)
    portal.confirm(1)  # after the calls: host 1 waits in the call queue
    for _ in range(3, 9):  # the second contacted home each time: hosts 3 to 8
        portal.book_visit("volunteer", 1, rng, days=1)
    portal.move_time(timedelta(days=2))
    for _ in range(4, 9):  # the second booked visit each time: hosts 4 to 8
        portal.report_visit("volunteer", 1, rng, verdict="suitable", any_visit=True)
    portal.book_visit("volunteer", 1, rng, days=2)  # host 9
    for _ in range(5, 9):  # the referrals page lists by time visited: hosts 5 to 8
        portal.refer(rng, home_index=1)
    cases = list(NewcomerCase.objects.order_by("pk"))
    homes = list(Home.objects.filter(status="referred").order_by("pk"))
    for case, home in zip(cases[:3], homes[1:], strict=True):  # hosts 6, 7, 8
        portal.propose_from_suggestions(cases.index(case), rng, home=home)
    for index in (1, 2):
        # The household said yes on the phone; then the coordinator approves.
        portal.admin_step(
            "partcoord", "match", index, rng, step="household_answer", answer="yes", via="phone"
        )
        portal.admin_step("partcoord", "match", index, rng, step="approve")
    today = timezone.localdate().isoformat()
    portal.admin_step("partcoord", "match", 2, rng, step="move_in", move_in_date=today)
    portal.start_campaign(rng, stage="")
