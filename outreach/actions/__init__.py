"""The steps of outreach: one function per step a person takes (the only writers)."""

# Information meetings.
# Tagged links and "volunteers wanted".
from .links import make_tagged_link, retire_tagged_link  # noqa: F401
from .meetings import (  # noqa: F401
    InvalidLink,
    calendar_url,
    cancel_meeting,
    cancel_signup,
    change_meeting,
    confirm_signup,
    confirm_url,
    erase_expired_signups,
    erase_signup,
    erase_signups_of,
    is_open_for_signups,
    manage_url,
    meeting_calendar,
    places_left,
    places_taken,
    plan_meeting,
    record_attendance,
    send_meeting_reminders,
    sign_up_for_meeting,
    signup_from_token,
)
from .notices import publish_volunteers_wanted, take_down_volunteers_wanted  # noqa: F401
