"""A stateful, model-based test of the whole portal (hypothesis ``RuleBasedStateMachine``).

Random sequences of what people do, through the real entry points with Django's test client
(``tests/model/portal.py``): residents sign up and follow the e-mailed link, pause, resume,
re-open, withdraw, change or erase their offer through self-service; volunteers claim the next
host, record each call, book, report and (where the page offers it) move or cancel visits; the
volunteer coordinator refers visited homes, runs status campaigns, merges a host's second
registration and takes the admin's steps; the
partner's coordinator proposes matches from a case's suggestions or the add form, approves,
rejects, cancels, records the move-in and ends the stay, on the change pages and with the
changelists' bulk actions; beat runs its tasks; time moves forward.

After every step the invariants hold (``Portal.problems``): every visited home has a filed report,
made no earlier than the visit; a home at "visit booked" has one booked visit and a booked visit
belongs to such a home; the call queue holds exactly the homes that can be called (and homes an
active campaign holds at a campaign stage); at most one live match per home and per case, none on
a withdrawn home, a live match agrees with its home and its case, and a moved-in one is not dated
in the future; every object of a model with a history (homes, cases, matches, contracts, visits,
applications, …: every ``TransitionLog``) has one, and its stage is the last row's; and no page
answers 500. Forms are now and then left open in a tab and sent later, after others acted.

Each example starts from the same world (built once per test through the pages, see
``build_world``) and is rolled back afterwards. The budget (``machine_settings``): 5 examples
of up to 30 steps in ``make test`` (locally and in CI alike); ``make fuzz`` runs the "fuzz" profile of tests/conftest.py with a time budget and a fresh seed.

Failures the machine found are replayed step by step in ``test_regressions.py``.
"""

import os
import random
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import DatabaseError, transaction
from hypothesis import event, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from hosts.models import Home
from matching.models import Match

from .portal import HOST_STEPS, MUNICIPALITIES, Clock, Portal, World

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing"),
]

VOLUNTEERS = ["volunteer", "volunteer2", "volcoord"]
STAFF = ["volunteer", "volunteer2", "volcoord", "partcoord"]
NEW_HOSTS_PER_EXAMPLE = 3

seeds = st.integers(0, 2**32 - 1)
indexes = st.integers(0, 20)
# Now and then a form is left open in a tab and sent later (``send_pending``).
later = st.sampled_from([False, False, False, True])
# What came of a call; None: any of the outcomes the call page offers.
outcomes = st.sampled_from(
    [None, None, "interested", "not_now", "no_answer", "no_answer", "wrong_number", "withdraws"]
)


# The machine ---------------------------------------------------------------------------------


class PortalMachine(RuleBasedStateMachine):
    """Each example: a fresh set of browsers on the starting world, inside a savepoint that is
    rolled back at the end."""

    world: World
    clock: Clock

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cache.clear()
        mail.outbox = []
        self.clock.offset = self.world.clock_offset
        self.clock.moves += 1
        self.portal = Portal(self.world, self.clock, say=note, record=event)
        self.new_hosts = 0

    def teardown(self):
        try:
            # `--hypothesis-show-statistics` shows in how many examples each stage was reached.
            for status in set(Home.objects.values_list("status", flat=True)):
                event(f"a home ends {status}")
            for status in set(Match.objects.values_list("status", flat=True)):
                event(f"a match ends {status}")
        except DatabaseError:  # a failed step broke the transaction: its error is the report
            pass
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # Hosts ---------------------------------------------------------------------------------

    @rule(
        beds=st.integers(1, 4),
        municipality=st.sampled_from(MUNICIPALITIES),
        # One sign-up in four is a host who registered before registering again.
        twin_of=st.one_of(st.none(), st.none(), st.none(), indexes),
    )
    def sign_up(self, beds, municipality, twin_of):
        # A few new hosts per example (the public forms count sign-ups per address and day).
        if self.new_hosts < NEW_HOSTS_PER_EXAMPLE:
            self.new_hosts += 1
            self.portal.sign_up(beds=beds, municipality=municipality, twin_of=twin_of)

    @rule(host=indexes)
    def confirm(self, host):
        self.portal.confirm(host)

    @rule(host=indexes, step=st.sampled_from(["offered"] * 3 + HOST_STEPS), seed=seeds, later=later)
    def host_step(self, host, step, seed, later):
        self.portal.host_step(host, random.Random(seed), step=step, later=later)

    @rule(host=indexes, seed=seeds)
    def host_change_offer(self, host, seed):
        self.portal.host_change_offer(host, random.Random(seed))

    @rule(host=indexes)
    def host_erase(self, host):
        self.portal.host_erase(host)

    @rule(host=indexes)
    def host_download(self, host):
        self.portal.host_download(host)

    # Volunteers ----------------------------------------------------------------------------

    @rule(
        who=st.sampled_from(VOLUNTEERS),
        call=st.sampled_from([True, True, False]),
        outcome=outcomes,
        book=st.booleans(),
        seed=seeds,
    )
    def claim_next(self, who, call, outcome, book, seed):
        """The volunteer claims the next host and, mostly, makes the call at once."""
        self.portal.claim_next(who)
        if call:
            self.portal.record_outcome(who, random.Random(seed), outcome=outcome, book=book)

    @rule(
        who=st.sampled_from(VOLUNTEERS),
        outcome=outcomes,
        book=st.booleans(),
        seed=seeds,
        later=later,
    )
    def record_outcome(self, who, outcome, book, seed, later):
        rng = random.Random(seed)
        self.portal.record_outcome(who, rng, outcome=outcome, book=book, later=later)

    @rule(who=st.sampled_from(VOLUNTEERS))
    def hand_back(self, who):
        self.portal.hand_back(who)

    @rule(
        who=st.sampled_from(VOLUNTEERS),
        home=indexes,
        seed=seeds,
        any_home=st.sampled_from([False, False, False, True]),
        later=later,
    )
    def book_visit(self, who, home, seed, any_home, later):
        rng = random.Random(seed)
        self.portal.book_visit(who, home, rng, any_home=any_home, later=later)

    @rule(
        who=st.sampled_from(VOLUNTEERS),
        visit=indexes,
        seed=seeds,
        verdict=st.sampled_from([None, "suitable"]),
        any_visit=st.sampled_from([False, False, False, True]),
        later=later,
    )
    def report_visit(self, who, visit, seed, verdict, any_visit, later):
        rng = random.Random(seed)
        self.portal.report_visit(who, visit, rng, verdict=verdict, any_visit=any_visit, later=later)

    @rule(
        who=st.sampled_from(VOLUNTEERS),
        visit=indexes,
        seed=seeds,
        any_visit=st.sampled_from([False, False, False, True]),
        later=later,
    )
    def other_visit_form(self, who, visit, seed, any_visit, later):
        rng = random.Random(seed)
        self.portal.other_visit_form(who, visit, rng, any_visit=any_visit, later=later)

    # The volunteer coordinator ------------------------------------------------------------

    @rule(seed=seeds, later=later)
    def refer(self, seed, later):
        self.portal.refer(random.Random(seed), later=later)

    @rule(index=indexes, seed=seeds)
    def merge_duplicates(self, index, seed):
        self.portal.merge_duplicates(index, random.Random(seed))

    @rule(seed=seeds)
    def start_campaign(self, seed):
        self.portal.start_campaign(random.Random(seed))

    @rule(campaign=indexes)
    def end_campaign(self, campaign):
        self.portal.end_campaign(campaign)

    # The admin -----------------------------------------------------------------------------

    # The partner's coordinator works on matches most, the volunteer coordinator on homes; each
    # now and then tries the other's pages (which answer 404 or refuse the step).
    @rule(
        model=st.sampled_from(["match", "match", "match", "case", "home"]),
        index=indexes,
        seed=seeds,
        later=later,
    )
    def partner_admin_step(self, model, index, seed, later):
        self.portal.admin_step("partcoord", model, index, random.Random(seed), later=later)

    @rule(
        model=st.sampled_from(["match", "match", "case", "home"]),
        index=indexes,
        seed=seeds,
    )
    def partner_admin_step_again(self, model, index, seed):
        # The same as ``partner_admin_step``: matches need several steps to go anywhere.
        self.portal.admin_step("partcoord", model, index, random.Random(seed))

    @rule(
        model=st.sampled_from(["home", "home", "home", "case", "match"]),
        index=indexes,
        seed=seeds,
        later=later,
    )
    def volunteer_coordinator_admin_step(self, model, index, seed, later):
        self.portal.admin_step("volcoord", model, index, random.Random(seed), later=later)

    @rule(
        who=st.sampled_from(["volcoord", "partcoord"]),
        model=st.sampled_from(["home", "case", "match"]),
        seed=seeds,
        later=later,
    )
    def admin_bulk(self, who, model, seed, later):
        self.portal.admin_bulk(who, model, random.Random(seed), later=later)

    @rule(case=indexes, seed=seeds, later=later)
    def propose_from_suggestions(self, case, seed, later):
        self.portal.propose_from_suggestions(case, random.Random(seed), later=later)

    @rule(seed=seeds, later=later)
    def propose_with_the_add_form(self, seed, later):
        self.portal.propose_with_the_add_form(random.Random(seed), later=later)

    # The household, through its own link -----------------------------------------------------

    @rule(
        case=indexes,
        answer=st.sampled_from([None, "yes", "yes", "no"]),
        seed=seeds,
        any_case=st.sampled_from([False, False, False, True]),
        later=later,
    )
    def household_answers(self, case, answer, seed, any_case, later):
        rng = random.Random(seed)
        self.portal.household_answers(case, rng, answer, any_case=any_case, later=later)

    @rule(
        case=indexes,
        urgency=st.sampled_from([None, "normal", "urgent"]),
        seed=seeds,
        any_case=st.sampled_from([False, False, False, True]),
        later=later,
    )
    def household_concern(self, case, urgency, seed, any_case, later):
        rng = random.Random(seed)
        self.portal.household_concern(case, rng, urgency, any_case=any_case, later=later)

    @rule(index=indexes)
    def send_pending(self, index):
        self.portal.send_pending(index)

    # Beat, time, pages ---------------------------------------------------------------------

    @rule(name=st.sampled_from(sorted(settings.CELERY_BEAT_SCHEDULE)))
    def run_beat_task(self, name):
        self.portal.run_beat_task(name)

    @rule(
        delta=st.sampled_from(
            [
                timedelta(minutes=20),
                timedelta(hours=3),
                timedelta(days=1),
                timedelta(days=3),
                timedelta(days=10),
                timedelta(days=200),
            ]
        )
    )
    def move_time(self, delta):
        self.portal.move_time(delta)

    @rule(
        who=st.sampled_from(STAFF),
        what=st.sampled_from(
            [
                "start",
                "queue",
                "campaigns",
                "referrals",
                "admin",
                "homes",
                "cases",
                "matches",
                "plan",
                "home",
                "case",
                "match",
            ]
        ),
        index=indexes,
    )
    def look_at(self, who, what, index):
        self.portal.look_at(who, what, index)

    # After every step ----------------------------------------------------------------------

    @invariant()
    def the_portal_holds_together(self):
        problems = self.portal.problems()
        assert not problems, "\n".join(problems)


def machine_settings():
    """Under ``make fuzz`` the "fuzz" profile's budget (time, see ``tests/fuzz_budget.py``) and 50
    steps; otherwise (``make test``, locally and in CI) 5 examples of 30 steps.
    ``MACHINE_EXAMPLES`` and ``MACHINE_STEPS`` override them."""
    if hypothesis_settings.get_current_profile_name() == "fuzz":
        return hypothesis_settings(stateful_step_count=int(os.environ.get("MACHINE_STEPS", "50")))
    examples = int(os.environ.get("MACHINE_EXAMPLES", "5"))
    steps = int(os.environ.get("MACHINE_STEPS", "30"))
    return hypothesis_settings(max_examples=examples, stateful_step_count=steps)


def run_machine(request, world, clock, settings):
    """Run the machine; its statistics (examples, time, the events: answers by page, stages
    reached) go where the hypothesis plugin prints them with ``--hypothesis-show-statistics``
    (a test that calls ``run_state_machine_as_test`` is not one the plugin recognises)."""
    from hypothesis.statistics import collector, describe_statistics

    machine = type("PortalMachine", (PortalMachine,), {"world": world, "clock": clock})
    collected = {}
    try:
        with collector.with_value(collected.update):
            run_state_machine_as_test(machine, settings=settings)
    finally:
        if collected:
            collected["nodeid"] = request.node.nodeid
            request.node.hypothesis_statistics = describe_statistics(collected)


def test_portal_state_machine(request, world, clock):
    run_machine(request, world, clock, machine_settings())
