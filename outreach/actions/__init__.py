"""The steps of outreach: one function per step a person takes (the only writers)."""

# Tagged links and "volunteers wanted" (helper "link").
from .links import make_tagged_link, may_organise, retire_tagged_link  # noqa: F401
from .notices import publish_volunteers_wanted, take_down_volunteers_wanted  # noqa: F401
