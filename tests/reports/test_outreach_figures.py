"""Where registrations come from (``reports.outreach_figures``), against a hand-built history
whose answers are worked out below by hand, not by the same queries.

The history is made through the portal's own actions (meetings planned, signed up to,
confirmed, cancelled, held with the people who came and the walk-ins, one cancelled meeting;
tagged links of several kinds, one retired before a host used it; hosts registering through
them and without, one erased, one merged away as a duplicate; volunteers applying; homes
called, visited, referred and matched) at moments set by a clock, in Swedish time, with rows
just inside and just outside the period at both ends. It is built once for the module.

Partnership "Östersund 2026" runs 1 February – 30 June 2026 between the volunteer organisation
(its Östersund group) and partner A, naming Östersund (2380); "Krokom 2026" names Krokom (2309)
and the Krokom group, for the national roll-up.
"""

import io
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from hosts.actions import confirm_registration, erase_host, refer_home, register_host
from matching.actions import approve_match, propose_match
from outreach.actions import make_tagged_link, retire_tagged_link
from outreach.actions.meetings import (
    cancel_meeting,
    cancel_signup,
    confirm_signup,
    erase_signup,
    plan_meeting,
    record_attendance,
    sign_up_for_meeting,
)
from outreach.models import Source
from reports import documents, metrics, outreach_figures
from tests.conftest import built_once_per_module, make_organisations
from tests.factories import (
    NewcomerCaseFactory,
    PartnershipFactory,
    local_group,
    municipality,
    said_yes,
    staff_user,
)
from tests.reports.test_pages import table_rows
from tests.reports.test_recount import STOCKHOLM, Clock
from volunteers.actions import apply_to_volunteer, book_visit, merge_duplicate, record_call
from volunteers.actions import report_visit as file_visit_report
from volunteers.models import HomeVisit, QueueEntry

pytestmark = pytest.mark.django_db

OSTERSUND, KROKOM = "2380", "2309"
AS_OF = date(2026, 11, 25)


def at(month, day, hour=12, minute=0, year=2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


class History:
    """The steps people take, each at its moment, through the portal's actions."""

    def __init__(self, clock, people):
        self.clock, self.p, self.n = clock, people, 0

    def register(self, when, source=None, code=OSTERSUND):
        self.clock(when)
        self.n += 1
        host = register_host(
            name=f"Värd {self.n}",
            email=f"outreach{self.n}@example.se",
            phone=f"+4670{self.n:07d}",
            language="sv",
            offer={
                "street_address": f"Storgatan {self.n}",
                "postcode": "83130",
                "municipality": municipality(code),
                "kind": "room",
                "beds": 2,
                "available_from": date(2026, 1, 1),
                "available_months": 6,
                "rent_per_month": 3500,
                "household_description": "Jag och min sambo.",
                "smoking": "no",
                "languages": ["sv"],
                "heard_from": "organisation",
            },
            consent_language="sv",
            source=source,
        )
        confirm_registration(host=host)
        return host.homes.get()

    def apply(self, when, source=None, code=OSTERSUND):
        self.clock(when)
        self.n += 1
        return apply_to_volunteer(
            name=f"Volontär {self.n}",
            email=f"volontar{self.n}@example.se",
            phone=f"+4673{self.n:07d}",
            languages=["sv"],
            area="Centrum",
            availability="Kvällar",
            motivation="",
            language="sv",
            municipality=code,
            source=source,
        )

    def visit(self, home, booked, starts=None):
        """Called (the host is interested), a visit booked and reported: "visited" from the
        visit's report, an hour after its start."""
        starts = starts or booked + timedelta(days=2)
        self.clock(booked)
        record_call(
            entry=QueueEntry.objects.get(home=home),
            volunteer=self.p.volunteer,
            outcome="interested",
            now=booked,
        )
        visit = book_visit(
            home=home, starts_at=starts, volunteers=[self.p.volunteer], user=self.p.volunteer
        )
        self.clock(starts + timedelta(hours=1))
        file_visit_report(
            visit=visit,
            user=self.p.volunteer,
            verdict="suitable",
            checklist=dict.fromkeys(HomeVisit.CHECKLIST, True),
        )

    def refer(self, home, partner, when):
        self.clock(when)
        home.refresh_from_db()
        refer_home(home=home, partner=partner, user=self.p.coordinator)

    def match(self, home, when):
        self.clock(when)
        home.refresh_from_db()
        match = propose_match(home=home, case=NewcomerCaseFactory(partner=self.p.A), user=self.p.ca)
        self.clock(when + timedelta(days=1))
        approve_match(match=said_yes(match, self.p.ca), user=self.p.ca)

    def meeting(self, title, starts, *, code=OSTERSUND, organiser=None):
        return plan_meeting(
            user=organiser or self.p.coordinator,
            local_group=(organiser or self.p.coordinator).local_group,
            municipality=municipality(code),
            title=title,
            topic="both",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1, minutes=30),
            place="Stadsbiblioteket, sal 2",
            capacity=30,
        )

    def sign_up(self, meeting, count, *, confirm=True):
        signups = []
        for _ in range(count):
            self.n += 1
            signup = sign_up_for_meeting(
                meeting=meeting,
                name=f"Invånare {self.n}",
                email=f"invanare{self.n}@example.se",
                language="sv",
            )
            if confirm:
                confirm_signup(signup=signup)
            signups.append(signup)
        return signups

    def link(self, kind, target, label, meeting=None, organiser=None):
        organiser = organiser or self.p.coordinator
        return make_tagged_link(
            kind=kind,
            target=target,
            label=label,
            user=organiser,
            local_group=organiser.local_group,
            meeting=meeting,
        )


def build():
    orgs = make_organisations()
    V, A, B = orgs["volunteers"], orgs["partner"], orgs["other_partner"]
    coordinator = staff_user("volunteer_coordinator", V, username="vc")  # the Östersund group
    krokom_group = local_group(V, name="Krokomsgruppen", covers=[KROKOM])
    krokom_coordinator = staff_user("volunteer_coordinator", V, username="vck")
    krokom_coordinator.local_group = krokom_group
    krokom_coordinator.save()
    people = SimpleNamespace(
        A=A,
        coordinator=coordinator,
        volunteer=staff_user("volunteer", V, is_staff=False, username="v1"),
        ca=staff_user("partner_coordinator", A, username="ca"),
        manager=staff_user("manager", V, username="chef"),
    )
    main = PartnershipFactory(
        name="Östersund 2026",
        volunteer_organisation=V,
        partner=A,
        local_group=coordinator.local_group,
        period_start=date(2026, 2, 1),
        period_end=date(2026, 6, 30),
    )
    main.municipalities.set([OSTERSUND])
    krokom = PartnershipFactory(
        name="Krokom 2026",
        volunteer_organisation=V,
        partner=A,
        local_group=krokom_group,
        period_start=date(2026, 2, 1),
        period_end=date(2026, 6, 30),
    )
    krokom.municipalities.set([KROKOM])
    # Partner B takes homes of Östersund too (a home may be referred to it).
    other = PartnershipFactory(
        name="Östersund B 2026",
        volunteer_organisation=V,
        partner=B,
        local_group=coordinator.local_group,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 12, 31),
    )
    other.municipalities.set([OSTERSUND])

    clock = Clock()
    with clock._patch:
        h = History(clock, people)
        clock(at(1, 5))
        march = h.meeting("Bli värd i mars", at(3, 10, 18))
        # 1 February 00:30 in Sweden (31 January 23:30 in UTC): in the period.
        first = h.meeting("Bli värd vid månadsskiftet", at(2, 1, 0, 30))
        # 31 January 23:30 (its end falls in the period; its start does not).
        before = h.meeting("Bli värd i januari", at(1, 31, 23, 30))
        after = h.meeting("Bli värd i juli", at(7, 1, 0, 10))  # the first minutes after
        called_off = h.meeting("Inställt möte", at(4, 15, 18))
        krokom_meeting = h.meeting(
            "Informationsmöte i Krokom", at(3, 20, 18), code=KROKOM, organiser=krokom_coordinator
        )

        march_hosts = h.link("meeting", "host", "Marsmötet, värdar", meeting=march)
        march_volunteers = h.link("meeting", "volunteer", "Marsmötet, volontärer", meeting=march)
        first_hosts = h.link("meeting", "host", "Månadsskiftet, värdar", meeting=first)
        poster = h.link("poster", "host", "Affisch på biblioteket")
        newspaper = h.link("newspaper", "volunteer", "Annons i Östersunds-Posten")
        post = h.link("social_media", "host", "Inlägg i februari")
        h.link("poster", "host", "Affisch i Krokom", organiser=krokom_coordinator)

        # Sign-ups, all in January. The March meeting: 8 sign up, 7 confirm, 1 of them cancels;
        # so 6 are signed up. The first meeting: 6, all confirmed. The one before: 2.
        clock(at(1, 10))
        march_list = h.sign_up(march, 7)
        h.sign_up(march, 1, confirm=False)  # never confirms its address
        first_list = h.sign_up(first, 6)
        before_list = h.sign_up(before, 2)
        h.sign_up(called_off, 3)
        krokom_list = h.sign_up(krokom_meeting, 1)
        h.sign_up(after, 4)
        clock(at(2, 20))
        cancel_signup(signup=march_list[6])

        # The meeting before the period is held: 2 came, 1 walk-in (none of it counts).
        clock(at(2, 1, 2))
        record_attendance(
            meeting=before, user=coordinator, came=[s.pk for s in before_list], walk_ins=1
        )
        # The first meeting: all 6 came, nobody without signing up.
        clock(at(2, 1, 3))
        record_attendance(
            meeting=first, user=coordinator, came=[s.pk for s in first_list], walk_ins=0
        )
        # A post's link is retired: a host who uses it later comes with no source.
        clock(at(2, 15))
        retire_tagged_link(source=post, user=coordinator)
        # The March meeting: 5 of the 6 came, and 6 without signing up.
        clock(at(3, 10, 21))
        record_attendance(
            meeting=march, user=coordinator, came=[s.pk for s in march_list[:5]], walk_ins=6
        )
        # One who came has their name and address erased: the anonymous sign-up still counts.
        clock(at(3, 15))
        erase_signup(signup=march_list[0])
        clock(at(3, 20, 21))
        record_attendance(
            meeting=krokom_meeting,
            user=krokom_coordinator,
            came=[s.pk for s in krokom_list],
            walk_ins=2,
        )
        clock(at(4, 1))
        cancel_meeting(meeting=called_off, user=coordinator, reason="Lokalen är upptagen.")

        # Through the March meeting's link for hosts: 6 registrations in the period.
        a = h.register(at(3, 11), march_hosts)
        b = h.register(at(3, 12), march_hosts)
        c = h.register(at(3, 12, 15), march_hosts)
        d = h.register(at(3, 13), march_hosts)
        e = h.register(at(3, 14), march_hosts)
        duplicate = h.register(at(3, 15), march_hosts)  # merged into d: not counted
        h.register(at(6, 30, 23, 50), march_hosts)  # the period's last minutes
        h.register(at(7, 1, 0, 1), march_hosts)  # the first minute after it
        for home in (a, b, c):
            h.visit(home, at(3, 20))
        h.refer(a, A, at(3, 25))
        h.refer(b, A, at(3, 25, 13))
        h.match(a, at(4, 2))
        clock(at(3, 16))
        merge_duplicate(keep=d, duplicate=duplicate, user=coordinator)
        clock(at(3, 20, 12))
        erase_host(host=e.host)  # the anonymous home keeps its source

        # Through the first meeting's link: 2; one visited only after the period.
        i = h.register(at(2, 2), first_hosts)
        h.register(at(2, 3), first_hosts)
        h.visit(i, at(6, 29), starts=at(7, 5, 10))

        # Through the poster: 7 here (5 visited, 4 referred to A, 1 to B), 1 in Krokom.
        posters = [h.register(at(4, 1 + n), poster) for n in range(7)]
        for home in posters[:5]:
            h.visit(home, at(4, 10))
        for home in posters[:4]:
            h.refer(home, A, at(4, 20))
        h.refer(posters[4], B, at(4, 20))
        h.register(at(4, 8), poster, code=KROKOM)

        # No tagged link: 5 (one through the retired link), visited 2, referred 1, matched 1.
        h.register(at(3, 1), post)
        n2 = h.register(at(2, 10))
        n3 = h.register(at(2, 11))
        h.register(at(5, 1))
        h.register(at(6, 1))
        h.register(at(1, 31, 23, 59))  # the last minute before the period
        h.visit(n2, at(2, 12))
        h.visit(n3, at(2, 12, 14))
        h.refer(n2, A, at(2, 20))
        h.match(n2, at(3, 1))

        # Volunteer applications: 2 through the March meeting's link, 6 through the
        # advertisement (and one in Krokom, one the minute before the period), 3 without.
        h.apply(at(3, 11), march_volunteers)
        h.apply(at(3, 12), march_volunteers)
        for n in range(6):
            h.apply(at(4, 1 + n), newspaper)
        h.apply(at(4, 7), newspaper, code=KROKOM)
        h.apply(at(1, 31, 23, 59), newspaper)
        for moment in (at(2, 5), at(5, 5), at(6, 5)):
            h.apply(moment)

    return SimpleNamespace(
        main=main,
        krokom=krokom,
        manager=people.manager,
        meetings=SimpleNamespace(march=march, first=first, krokom=krokom_meeting),
        links=SimpleNamespace(
            march_hosts=march_hosts,
            march_volunteers=march_volunteers,
            first_hosts=first_hosts,
            poster=poster,
            newspaper=newspaper,
            post=post,
        ),
    )


held_world = built_once_per_module(build)


@pytest.fixture
def world(held_world, settings):
    return held_world.fresh(settings)


def figures_of(partnership):
    with translation.override("en"):
        return metrics.compute_figures(partnership, as_of=AS_OF)


# The links, by hand: (host registrations, volunteer applications, visited, referred, matched).
BY_LINK = {
    "Månadsskiftet, värdar": (2, 0, 0, 0, 0),
    "Marsmötet, volontärer": (0, 2, 0, 0, 0),
    "Marsmötet, värdar": (6, 0, 3, 2, 1),
    "Affisch på biblioteket": (7, 0, 5, 4, 0),
    "Annons i Östersunds-Posten": (0, 6, 0, 0, 0),
    "No tagged link": (5, 3, 2, 1, 1),
}


def test_each_figure_is_the_count_worked_out_by_hand(world):
    figures = figures_of(world.main)
    outreach = figures["outreach"]

    with translation.override("en"):
        rows = {str(row["label"]): row for row in outreach["by_source"]}
    # The links with something in the period, and those of the period's meetings, in the order
    # of their kinds (meeting, poster, newspaper), a meeting's by its start, then by name; "No
    # tagged link" last. The
    # retired post's link brought nobody (its host came without a source); the Krokom
    # group's poster brought nobody either.
    assert list(rows) == list(BY_LINK)
    for label, expected in BY_LINK.items():
        row = rows[label]
        got = tuple(row[key] for key in outreach_figures.SOURCE_COLUMNS)
        assert got == expected, label
    assert rows["Affisch på biblioteket"]["kind_label"] == "Poster or leaflet"
    assert rows["No tagged link"]["source_id"] is None

    # Each column adds up to its total: the registrations to "New registrations", the homes'
    # stages to the funnel's.
    assert outreach["totals"] == {
        "registrations": 20,
        "applications": 11,
        "visited": 10,
        "referred": 7,
        "matched": 2,
    }
    assert figures["totals"]["registrations"] == 20
    funnel = {step["step"]: step["count"] for step in figures["funnel"]}
    assert (funnel["registered"], funnel["visited"], funnel["referred"], funnel["matched"]) == (
        20,
        10,
        7,
        2,
    )
    assert outreach["tagged"] == 15

    # The meetings that started in the period, in order (not the one that started at 23:30
    # the evening before, not the one in July, not the cancelled one, not Krokom's).
    meetings = outreach["by_meeting"]
    assert [row["title"] for row in meetings] == ["Bli värd vid månadsskiftet", "Bli värd i mars"]
    first, march = meetings
    # The first: 6 confirmed, all came, no walk-ins; its one link brought 2 hosts.
    assert {k: first[k] for k in ("signups", "attended", "walk_ins", "attendance")} == {
        "signups": 6,
        "attended": 6,
        "walk_ins": 0,
        "attendance": 6,
    }
    assert tuple(first[k] for k in outreach_figures.SOURCE_COLUMNS) == (2, 0, 0, 0, 0)
    # March: 7 confirmed, 1 cancelled (the one never confirmed does not count), so 6; 5 came
    # (one of them since erased) and 6 came without signing up: 11. Its two links: the hosts'
    # and the volunteers'.
    assert {k: march[k] for k in ("signups", "attended", "walk_ins", "attendance")} == {
        "signups": 6,
        "attended": 5,
        "walk_ins": 6,
        "attendance": 11,
    }
    assert tuple(march[k] for k in outreach_figures.SOURCE_COLUMNS) == (6, 2, 3, 2, 1)
    assert outreach["meeting_totals"] == {
        "signups": 12,
        "attended": 11,
        "walk_ins": 6,
        "attendance": 17,
    }


@pytest.mark.parametrize("which", ["main", "krokom"])
def test_the_figures_agree_with_the_recount_from_the_printed_definitions(world, which):
    """``bench/recount.py`` counts the section again in SQL of its own, from the definitions
    the report prints; every figure (by link, by meeting, the count through tagged links) must
    be the report's, up to the end of the period and up to a day inside it."""
    from bench.recount import differences, recount, reported

    partnership = getattr(world, which)
    counted = {}
    for as_of in (AS_OF, date(2026, 3, 31)):
        with translation.override("en"):
            figures = metrics.compute_figures(partnership, as_of=as_of)
        counted[as_of] = recount(partnership=partnership, as_of=as_of)["outreach"]
        found = differences(reported(figures)["outreach"], counted[as_of], ".outreach")
        assert not found, (as_of, found)
    if which == "main":
        # Not empty: the hand counts of the test above, recounted.
        assert counted[AS_OF]["tagged"] == 15
        assert sorted(
            (row["signups"], row["attendance"]) for row in counted[AS_OF]["by_meeting"].values()
        ) == [(6, 6), (6, 11)]


def test_the_rows_by_link_read_from_the_stored_counts_are_the_live_ones(world):
    """With the dashboard's stored counts (``reports.daily``) the homes by tagged link come from
    the stored facts (each registration's link, and when it became visited, referred and
    matched), completed live for the homes written after the refresh: the same rows as the live
    count, and as the hand count, before and after rows written behind the refresh's back."""
    from reports import daily
    from reports.models import HomeFacts
    from tests.factories import home_with_history, match_with_history

    def both():
        with translation.override("en"):
            live = metrics.compute_figures(world.main, as_of=AS_OF, stored=False)["outreach"]
            kept = metrics.compute_figures(world.main, as_of=AS_OF)["outreach"]
        return live, kept

    def by_link(outreach):
        with translation.override("en"):
            return {
                str(row["label"]): tuple(row[key] for key in outreach_figures.SOURCE_COLUMNS)
                for row in outreach["by_source"]
            }

    daily.refresh()
    live, kept = both()
    assert kept == live
    assert by_link(kept) == BY_LINK

    # Behind the refresh's back: a host through the poster's link registered on 2 May,
    # visited, referred to A and matched with one of A's households.
    poster = world.links.poster
    partner = world.main.partner
    late = home_with_history(
        at(5, 2),
        [("contacted", at(5, 3)), ("visited", at(5, 6)), ("referred", at(5, 8))],
        partner=partner,
        source=poster,
        municipality=municipality(OSTERSUND),
    )
    match_with_history(late, NewcomerCaseFactory(partner=partner), [("approved", at(5, 20))])
    live, kept = both()
    assert kept == live
    assert by_link(kept)["Affisch på biblioteket"] == (8, 0, 6, 5, 1)

    # Refreshed, the late home is stored; and the stored link is what is read (not the live
    # count answering twice).
    daily.refresh()
    live, kept = both()
    assert kept == live
    HomeFacts.objects.filter(home_id=late.pk).update(source_id=None)
    live, kept = both()
    assert by_link(live)["Affisch på biblioteket"] == (8, 0, 6, 5, 1)
    assert by_link(kept)["Affisch på biblioteket"] == (7, 0, 5, 4, 0)
    assert by_link(kept)["No tagged link"] == (6, 3, 3, 2, 2)


def test_small_counts_are_hidden_as_the_other_breakdowns_hide_them(world):
    shown = outreach_figures.outreach_shown(figures_of(world.main)["outreach"])
    with translation.override("en"):
        rows = {str(row["label"]): row for row in shown["by_source"]}
    H = None
    # Worked out with the rule (1 to 4 hidden, then the smallest shown until each hidden cell
    # could be three counts or more; only zeros left: the whole column).
    # Registrations 2,0,6,7,0,5: the 2, then the 5 (2 + 5 = 7 could be 2+5, 3+4, 4+3, …).
    # Applications 0,2,0,0,6,3: the 2 and the 3. Visited 0,0,3,5,0,2: the 3 and the 2.
    # Referred 0,0,2,4,0,1: the three small ones. Matched 0,0,1,0,0,1: two ones are each one
    # for certain, so the whole column.
    expected = {
        "Månadsskiftet, värdar": (H, 0, 0, 0, H),
        "Marsmötet, volontärer": (0, H, 0, 0, H),
        "Marsmötet, värdar": (6, 0, H, H, H),
        "Affisch på biblioteket": (7, 0, 5, H, H),
        "Annons i Östersunds-Posten": (0, 6, 0, 0, H),
        "No tagged link": (H, H, H, H, H),
    }
    for label, cells in expected.items():
        assert tuple(rows[label][key] for key in outreach_figures.SOURCE_COLUMNS) == cells, label
    # The totals are exact.
    assert shown["totals"]["registrations"] == 20
    # By meeting: the people are shown (6 and 6; 6 and 5; 0 and 6; 6 and 11); a meeting's
    # home figures only where every one of its links' cells is shown.
    first, march = shown["by_meeting"]
    assert tuple(first[k] for k in outreach_figures.MEETING_COLUMNS) == (6, 6, 0, 6)
    assert tuple(march[k] for k in outreach_figures.MEETING_COLUMNS) == (6, 5, 6, 11)
    assert tuple(first[k] for k in outreach_figures.SOURCE_COLUMNS) == (H, 0, 0, 0, H)
    assert tuple(march[k] for k in outreach_figures.SOURCE_COLUMNS) == (6, H, H, H, H)


def meeting_row(signups, attended, walk_ins, source_ids=(), **homes):
    return {
        "signups": signups,
        "attended": attended,
        "walk_ins": walk_ins,
        "attendance": attended + walk_ins,
        "source_ids": list(source_ids),
        **dict.fromkeys(outreach_figures.SOURCE_COLUMNS, 0),
        **homes,
    }


def source_row(source_id, registrations=0, **rest):
    return {
        "source_id": source_id,
        **dict.fromkeys(outreach_figures.SOURCE_COLUMNS, 0),
        "registrations": registrations,
        **rest,
    }


def test_attendance_is_hidden_with_the_count_it_would_give_away():
    """Attendance is came + walk-ins: with one of the three hidden, a row shows none of them
    (the walk-ins, 3, are small; came and attendance would give them away)."""
    outreach = {
        "by_source": [source_row(None, 0)],
        "by_meeting": [meeting_row(9, 8, 3), meeting_row(12, 10, 7), meeting_row(7, 6, 9)],
        "totals": {},
        "meeting_totals": {},
    }
    shown = outreach_figures.outreach_shown(outreach)["by_meeting"]
    # Walk-ins 3, 7, 9: the 3, then the 7. Came 8, 10, 6: nothing small. Attendance 11, 17, 15.
    assert [row["walk_ins"] for row in shown] == [None, None, 9]
    assert [row["attended"] for row in shown] == [None, None, 6]
    assert [row["attendance"] for row in shown] == [None, None, 15]
    assert [row["signups"] for row in shown] == [9, 12, 7]


def test_a_meeting_shows_its_links_sum_only_when_each_link_is_shown():
    """A meeting with two links, 3 and 9: the 3 is hidden (and so the 9, the smallest shown
    against the total); the meeting's 12 would give the 3 away beside the 9, so it is hidden."""
    outreach = {
        "by_source": [
            source_row(1, 3),
            source_row(2, 9),
            source_row(3, 20),
            source_row(4, 12),
            source_row(None, 30),
        ],
        "by_meeting": [
            meeting_row(10, 10, 0, source_ids=[1, 2], registrations=12),
            meeting_row(10, 10, 0, source_ids=[3], registrations=20),
        ],
        "totals": {},
        "meeting_totals": {},
    }
    shown = outreach_figures.outreach_shown(outreach)
    assert [row["registrations"] for row in shown["by_source"]] == [None, None, 20, 12, 30]
    assert [row["registrations"] for row in shown["by_meeting"]] == [None, 20]


def test_the_rollup_compares_the_groups(world):
    with translation.override("en"):
        rollup = metrics.national_rollup(world.main.volunteer_organisation, 2026, as_of=AS_OF)
    rows = {
        block["partnership"].name: outreach_figures.rollup_shown(block["outreach"])
        for block in rollup["partnerships"]
    }
    # Counted together, each partnership's figures are those counted for it alone.
    for block in rollup["partnerships"]:
        alone = outreach_figures.rollup_outreach(block["period"], block["scope"])
        assert block["outreach"] == alone, block["partnership"].name
    # Östersund: the two meetings held, 6 + 11 came; 15 of the 20 registrations through a link.
    assert rows["Östersund 2026"] == {
        "meetings_held": 2,
        "attendance": 17,
        "registrations": 20,
        "tagged": 15,
        "untagged": 5,
        "share": 75,
    }
    # Krokom: its meeting (1 came, 2 walk-ins) and one registration, through the Östersund
    # group's poster: 1 and 0 cannot be shown (nor the share).
    assert rows["Krokom 2026"] == {
        "meetings_held": 1,
        "attendance": 3,
        "registrations": 1,
        "tagged": None,
        "untagged": None,
        "share": None,
    }

    # The roll-up's workbook: the same rows, a hidden cell empty.
    with translation.override("en"):
        book = openpyxl.load_workbook(io.BytesIO(documents.render_national_xlsx(rollup)))
    sheet = {
        row[0]: row[1:]
        for row in book["Sources of registrations"].iter_rows(values_only=True)
        if row[0]
    }
    assert sheet["Östersund 2026"][:7] == ("Volontärföreningen – lokalgrupp", 2, 17, 20, 15, 5, 75)
    assert sheet["Krokom 2026"][:7] == ("Krokomsgruppen", 1, 3, 1, None, None, None)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_dashboard_and_the_report_show_the_section(world, client, language):
    client.force_login(world.manager)
    with translation.override(language):
        heading = str(outreach_figures.SECTION)
        no_link = str(outreach_figures.NO_TAGGED_LINK)
        hidden = str(metrics.HIDDEN)
        total = str(translation.gettext("Total"))
        meeting_kind = str(Source.Kind.MEETING.label)
        poster_kind = str(Source.Kind.POSTER.label)
        labels = [str(label) for label in outreach_figures.column_labels().values()]
        definitions = [
            (str(item["label"]), str(item["scope"]), str(item["definition"]))
            for item in metrics.definitions(metrics.Scope.of(world.main))
            if item["key"] in outreach_figures.OUTREACH
        ]
    if language == "sv":
        assert heading == "Var intresseanmälningarna kommer ifrån"
        assert (no_link, total, meeting_kind) == ("Ingen märkt länk", "Totalt", "Informationsmöte")
    page = client.get(
        reverse("reports:partnership", args=[world.main.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<h2 class="h5 mt-4" id="outreach">{heading}</h2>' in html
    rows = table_rows(html)
    # By tagged link: as shown in the test above, with the totals.
    assert (f"Marsmötet, värdar ({meeting_kind})", "6", "0", hidden, hidden, hidden) in rows
    assert (no_link, hidden, hidden, hidden, hidden, hidden) in rows
    assert (total, "20", "11", "10", "7", "2") in rows
    # By meeting: the people's totals; none for the registrations through its links.
    assert (total, "12", "11", "6", "17", "", "", "", "", "") in rows
    for label in labels:
        assert f'<th scope="col" class="num text-end">{label}</th>' in html
    # The definitions the figures are counted by, with the others.
    for definition in definitions:
        assert definition in rows

    # The PDF and the workbook: the same section, with its definitions.
    with translation.override(language):
        figures = metrics.compute_figures(world.main, as_of=AS_OF)
        pdf = documents.render_pdf(figures)
        xlsx = documents.render_xlsx(figures)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert heading in text
    assert "Marsmötet, värdar" in text and "Bli värd i mars" in text
    assert " ".join(definitions[0][2].split()[:8]) in text
    with translation.override(language):
        sheet_name = str(outreach_figures.SHEET)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))[sheet_name]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[4][:7] == ["Affisch på biblioteket", poster_kind, 7, 0, 5, None, None]
    assert values[6][:7] == [no_link, "", None, None, None, None, None]


def test_the_rollup_page_shows_the_groups_side_by_side(world, client):
    client.force_login(world.manager)
    page = client.get(reverse("reports:national"), {"year": 2026}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    rows = {row[0]: row[1:] for row in table_rows(page.content.decode()) if len(row) == 7}
    assert rows["Östersund 2026 (Volontärföreningen – lokalgrupp)"] == (
        "2",
        "17",
        "20",
        "15",
        "5",
        "75%",
    )
    assert rows["Krokom 2026 (Krokomsgruppen)"] == ("1", "3", "1", "hidden", "hidden", "hidden")
