"""The volunteers' steps, one module per concept; every one is importable from here."""

from .applications import (  # noqa: F401
    apply_to_volunteer,
    approve_application,
    decline_application,
    record_introduction,
)
from .campaigns import (  # noqa: F401
    campaign_homes,
    end_campaign,
    start_campaign,
)
from .groups import (  # noqa: F401
    covering_group,
    hand_over_home,
    may_hand_over,
    route_home,
)
from .queue import (  # noqa: F401
    HAND_BACK_PAUSE,
    NO_ANSWER_BACKOFF,
    S,
    add_note,
    call_outcomes,
    claim_next_host,
    claim_queryset,
    claimable_entries,
    enqueue_home,
    hand_back,
    lease_length,
    merge_duplicate,
    record_call,
    record_contact,
    release_claims,
    roles_held,
    sync_queue_entry,
)
from .visits import (  # noqa: F401
    book_visit,
    cancel_visit,
    move_visit,
    report_visit,
)
