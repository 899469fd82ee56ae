"""The placement machine's findings (``test_placement_state_machine.py``), each replayed step by
step: the same rules and invariants, in the order the machine found them. Each replay starts
from the machine's opening (``a_placement_at_each_employer``: placement 0 offered at the housing
company, 1 proposed at the municipality, 2 under way at the outside employer since yesterday,
each page loaded after each step kept as a tab) and is rolled back afterwards."""

import pytest

from .test_placement_state_machine import PlacementMachine, build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups", "local_cache")]

INVARIANTS = [
    "each_placement_is_where_the_model_says",
    "each_person_sees_what_they_reach",
    "the_staff_figures_are_the_models",
]
OPENING = ("a_placement_at_each_employer", {"kinds": ["work_training", "prao", "internship"]})


@pytest.fixture
def world(role_groups):
    return build_world()


def replay(world, clock, *steps):
    """Run the machine's ``steps`` (rule name, arguments) with the invariants after each."""
    machine = type("PlacementMachine", (PlacementMachine,), {"world": world, "clock": clock})()
    try:
        for name, arguments in [OPENING, *steps]:
            getattr(machine, name)(**arguments)
            for invariant in INVARIANTS:
                getattr(machine, invariant)()
    finally:
        machine.teardown()


def offer(**fields):
    return (
        "offer",
        {
            "who": None,
            "employer": "shop",
            "unit": None,
            "kind": "prao",
            "title": "Fastighetsskötare",
            "place": "Storgatan 1, Krokom",
            "starts": 0,
            "length": 10,
            "hours": 20,
            "languages": ["sv"],
            "supervisor": None,
            "pick": 0,
            **fields,
        },
    )


def test_an_outside_employer_offers_only_to_an_integration_unit(world, clock):
    # Found by the machine: the outside employer offered a placement to itself (an organisation
    # that is not an integration unit), and nobody could ever propose anyone for it.
    replay(world, clock, offer(unit="shop"), offer(employer="housing", unit="housing"))


def test_an_end_before_the_start_is_refused_from_a_page_loaded_before_the_start(world, clock):
    # Found by the machine: the supervisor completed placement 2 from a page loaded before it
    # started (tab 1), dated 563 days before the start; the step read the start from the page.
    # Ending it early and recording employment read the start the same way.
    placement_2 = ("fitting", 0)
    replay(world, clock, ("complete", {"who": None, "index": placement_2, "on": -563, "tab": 1}))
    replay(
        world,
        clock,
        (
            "end_early",
            {
                "who": None,
                "index": placement_2,
                "on": -30,
                "end_reason": "moved",
                "reason": "",
                "tab": 1,
            },
        ),
    )
    replay(world, clock, ("employ", {"who": None, "index": placement_2, "on": -30, "tab": 1}))


def test_no_check_in_once_the_placement_is_over_nor_before_it_started(world, clock):
    # A check-in from a page loaded while placement 2 was under way, sent after it was
    # completed (tab 1 is then the page loaded after the start); and one dated before the start
    # from a page loaded before the start.
    check_in = {
        "who": None,
        "index": ("any", 2),
        "expected_days": 5,
        "present": 4,
        "language": "swedish",
        "going": "well",
        "note_text": "",
    }
    replay(
        world,
        clock,
        ("complete", {"who": None, "index": ("fitting", 0), "on": 0, "tab": None}),
        ("check_in", {**check_in, "on": 0, "tab": 1}),
    )
    replay(world, clock, ("check_in", {**check_in, "on": -30, "tab": 1}))
