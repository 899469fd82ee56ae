"""Seed step for tagged links and "volunteers wanted" notices (issue 20), in both stories: each
local group's poster for hosts and post for volunteers, Malmö stad's newspaper advertisement,
and each group's notice. Made through ``outreach.actions``; safe to run again: a link is looked
up by its organiser and name, a notice by its group, and only what is missing is made."""

from accounts.demo_malmo import MALMO_GROUP, MALMO_PARTNER
from accounts.demo_work import JAMTLAND_GROUP
from outreach import actions as outreach
from outreach.models import Source, VolunteersWanted

# (organiser: group or partner name, who makes it, kind, target, name)
LINKS = [
    (JAMTLAND_GROUP, "volontarsamordnare", "poster", "host", "Affisch på biblioteket i Krokom"),
    (JAMTLAND_GROUP, "volontarsamordnare", "social_media", "volunteer", "Inlägg på Facebook"),
    (MALMO_GROUP, "malmo-samordnare", "poster", "host", "Affisch på Möllevångstorget"),
    (MALMO_GROUP, "malmo-samordnare", "social_media", "volunteer", "Inlägg på Instagram"),
    (MALMO_PARTNER, "malmo-kommun", "newspaper", "host", "Annons i Sydsvenskan"),
]

# group -> (who publishes it, needs, languages, message)
NOTICES = {
    JAMTLAND_GROUP: (
        "volontarsamordnare",
        ["calls", "visits"],
        [],
        "Vi behöver fler som ringer nya värdar och gör hembesök i Krokom och Östersund.",
    ),
    MALMO_GROUP: (
        "malmo-samordnare",
        ["calls", "languages"],
        ["ar", "ti", "uk"],
        "Talar du arabiska, tigrinska eller ukrainska? Hjälp oss att ringa nya värdar.",
    ),
}


def seed_links_and_notices(ctx) -> None:
    for organiser, username, kind, target, label in LINKS:
        group = ctx.groups.get(organiser)
        partner = None if group is not None else ctx.organisations[organiser]
        mine = {"local_group": group} if group is not None else {"partner": partner}
        if Source.objects.filter(label=label, **mine).exists():
            continue
        outreach.make_tagged_link(
            kind=kind,
            target=target,
            label=label,
            local_group=group,
            partner=partner,
            user=ctx.users[username],
        )
        ctx.count(Source)
    for name, (username, needs, languages, message) in NOTICES.items():
        group = ctx.groups[name]
        if VolunteersWanted.objects.filter(local_group=group).exists():
            continue
        outreach.publish_volunteers_wanted(
            local_group=group,
            user=ctx.users[username],
            needs=needs,
            languages=languages,
            message=message,
        )
        ctx.count(VolunteersWanted)
