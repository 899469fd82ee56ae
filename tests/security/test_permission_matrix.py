"""Every URL pattern, requested by every role with GET and POST, answers as the declared
permission matrix (tests/security/permission_matrix.py) says; a pattern the matrix does not
declare fails the test.

Two-factor log-in stays on: the staff and the managers confirmed a code (a verified TOTP device in
their session). Each request runs in a transaction that is rolled back, so a button pressed by one
role (erase, approve, hand back) does not change what the next role meets; the session cookie is
put back after each request for the same reason (log-out, opening a host's link).
"""

import re
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from hosts.actions import self_service_url
from tests.security import permission_matrix as matrix
from tests.security.no_store import NoStoreWalk

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.two_factor,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing"),
]

ADMIN_MODEL_URL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")
# A <script> without src (JSON data blocks aside), and inline event handlers: the CSP blocks them.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.IGNORECASE
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def inline_code_problems(response) -> list[str]:
    """What in a page the Content Security Policy would block, or a policy that allows it."""
    policy = response.get("Content-Security-Policy", "")
    problems = []
    if "script-src 'self'" not in policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"policy {policy!r}")
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            found = pattern.search(html)
            if found:
                problems.append(f"inline code {found.group(0)[:80]!r}")
    return problems


def url_patterns(resolver=None, prefix="", namespace=""):
    """(name with namespace or None, full route, pattern) of every URL pattern, recursively."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern), pattern


def admin_models():
    """ "app_model" (as in the admin's URL names) -> "app_label.model_name"."""
    return {
        f"{model._meta.app_label}_{model._meta.model_name}": model._meta.label_lower
        for model in admin.site._registry
    }


def matrix_keys(name, route):
    """The matrix key(s) of a pattern, with the values of the route's regex parts.

    Returns a list of (key, extra) where ``extra`` fills parts of the route that are regexes.
    """
    if name == "admin:app_list":
        labels = sorted({model._meta.app_label for model in admin.site._registry})
        return [(f"admin-app:{label}", {"app_label": label}) for label in labels]
    if name is None and route.startswith("admin/") and route.endswith("(?P<url>.*)$"):
        return [("admin:catch_all", {"url": "no-such-page/"})]
    if name is None and route.startswith("admin/"):
        found = ADMIN_MODEL_URL.match(route)
        return [(f"admin-model:{found['app']}.{found['model']}:redirect", {})]
    if name and name.startswith("admin:"):
        short = name.removeprefix("admin:")
        for prefix, label in admin_models().items():
            for action in matrix.ADMIN_ACTIONS:
                if short == f"{prefix}_{action}":
                    return [(f"admin-model:{label}:{action}", {})]
    return [(name or route, {})]


def fill(route, values):
    """The path of ``route`` with its converters and regex groups filled from ``values``."""
    path = re.sub(r"\^\(\?P<(\w+)>[^)]*\)/\$", lambda m: f"{values[m.group(1)]}/", route)
    path = re.sub(r"\(\?P<(\w+)>\.\*\)\$", lambda m: str(values[m.group(1)]), path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path


def route_values(world, route, variant):
    """The ids (and tokens, step names, ...) that fill a route, for the own or foreign objects."""
    objects = dict(world.objects)
    if variant == "foreign":
        objects.update(world.foreign)
    found = ADMIN_MODEL_URL.match(route)
    label = f"{found['app']}.{found['model']}" if found else None
    steps = {
        "hosts.home": "withdraw",
        "newcomers.newcomercase": "close",
        "matching.match": "approve",
        "stays.concern": "acknowledge",
        "stays.mediation": "cancel",
        "stays.checkin": "record",
        "work.placement": "complete",
        "outreach.informationmeeting": "cancel",
    }
    home = objects["hosts.home"]
    return {
        "entry_id": objects["volunteers.queueentry"].pk,
        "home_id": home.pk,
        "visit_id": objects["volunteers.homevisit"].pk,
        "follow_up_id": objects["stays.checkin"].pk,
        "check_in_id": objects["stays.checkin"].pk,
        "application_id": objects["volunteers.volunteerapplication"].pk,
        "campaign_id": objects["volunteers.campaign"].pk,
        # The local group's tagged link and notice (the web app's pages; issue 20).
        "source_id": world.outreach["source"].pk,
        "notice_id": world.outreach["notice"].pk,
        "code": world.outreach["source"].code,
        "partnership_id": objects["reports.partnership"].pk,
        "run_id": objects["reports.reportrun"].pk,
        "meeting_id": objects["outreach.informationmeeting"].pk,
        "municipality_code": objects["outreach.informationmeeting"].municipality_id,
        "token": world.tokens.get(route, "none"),
        "uidb64": "MQ",
        "object_id": objects[label].pk if label in objects else 1,
        "step": steps.get(label, "none"),
        "content_type_id": ContentType.objects.get_for_model(home).pk,
        "pk": objects["otp_totp.totpdevice"].pk,
        "id": objects["accounts.user"].pk,
    }


def has_foreign_variant(route, key):
    """Whether the pattern is also asked for with another partner's or company's objects. Not
    the old address of an admin change page (``admin-model:...:redirect``): Django's redirect
    to the change page looks nothing up, and the matrix declares it alike for any id; the
    change page it leads to is asked for with the other partner's object."""
    if key.endswith(":redirect"):
        return False
    found = ADMIN_MODEL_URL.match(route)
    if found and "<path:object_id>" in route:
        label = f"{found['app']}.{found['model']}"
        return label in matrix.ADMIN_MODELS and "foreign" in matrix.ADMIN_MODELS[label]
    return key in matrix.FOREIGN


LOGIN_PAGES = {"/accounts/login/", "/admin/login/", "/my-offer/link/"}


def classify(response, path):
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"])
        assert not location.netloc, f"{path} redirects off the site: {response['Location']}"
        if location.path in LOGIN_PAGES:
            return matrix.LOGIN
        if location.path == "/accounts/two-factor/":
            return "two-factor page"
        # The admin's "no object with this id" answer is a redirect to its index.
        if (
            path.startswith("/admin/")
            and location.path == "/admin/"
            and path not in ("/admin/login/", "/admin/logout/")
        ):
            return matrix.NOT_FOUND
        return matrix.OK
    return {
        200: matrix.OK,
        204: matrix.OK,
        400: matrix.OK,
        409: matrix.OK,
        403: matrix.FORBIDDEN,
        404: matrix.NOT_FOUND,
        405: matrix.NOT_ALLOWED,
    }.get(code, f"status {code}")


def verified(client, user):
    """Log ``user`` in as after the password and a confirmed authenticator code."""
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def role_client(world, role):
    """A browser of a person of ``role``: nobody, a host who opened their link, a household
    that opened its own, or a user."""
    client = Client()
    if role == matrix.HOST:
        link = self_service_url(world.host_home.host).removeprefix(settings.SITE_URL)
        assert client.get(link).status_code == 302
    elif role == matrix.HOUSEHOLD:
        token = world.tokens["household/open/<str:token>/"]
        assert client.get(f"/household/open/{token}/").status_code == 302
    elif role != matrix.ANONYMOUS:
        user = world.users[role]
        if user.is_staff or role == roles.MANAGER:
            verified(client, user)
        else:
            client.force_login(user)
    return client


def cells():
    """(key, route, extra, variant) for every URL pattern and variant, and the undeclared keys."""
    found, undeclared = [], set()
    for name, route, _pattern in url_patterns():
        for key, extra in matrix_keys(name, route):
            variants = ["own"] + (["foreign"] if has_foreign_variant(route, key) else [])
            for variant in variants:
                try:
                    matrix.expected(key, matrix.ANONYMOUS, "GET", variant)
                except KeyError:
                    undeclared.add(f"{key} ({route})")
                    continue
                found.append((key, route, extra, variant))
    return found, undeclared


def request(client, method, path):
    """One request whose writes are rolled back; the session cookie is kept as it was."""
    kept = client.cookies.get(settings.SESSION_COOKIE_NAME)
    with transaction.atomic():
        response = client.get(path) if method == "GET" else client.post(path)
        if response.streaming:  # a file: read it, as the client then closes it properly
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    client.cookies = SimpleCookie()
    if kept is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = kept.value
    return response


def test_every_url_pattern_is_in_the_matrix(capsys):
    """Deny by default: a page nobody declared fails here (and is not requested below)."""
    found, undeclared = cells()
    patterns = {(key, route) for key, route, _extra, _variant in found}
    with capsys.disabled():
        print(
            f"\npermission matrix: {len(patterns)} patterns x {len(matrix.ROLES)} roles x "
            f"{len(matrix.METHODS)} methods = "
            f"{len(patterns) * len(matrix.ROLES) * len(matrix.METHODS)} cells, "
            f"{len(found) * len(matrix.ROLES) * len(matrix.METHODS)} requests with other "
            "partners' objects"
        )
    assert not undeclared, "Pages missing from the permission matrix:\n" + "\n".join(
        sorted(undeclared)
    )


@pytest.mark.parametrize("role", matrix.ROLES)
def test_every_page_answers_the_role_as_the_matrix_says(role, world, quick_pages):
    """...and carries the Content Security Policy, with no inline code for it to block; and
    every page the role may open says ``no-store``, but the public ones for a visitor
    (tests/security/no_store.py: the same answers, so the pages are requested once)."""
    client = role_client(world, role)
    differences = []
    no_store = NoStoreWalk(role)
    walk = [
        (key, variant, fill(route, {**route_values(world, route, variant), **extra}))
        for key, route, extra, variant in cells()[0]
    ]
    # A few patterns share an address (Django's password pages and the portal's own): the
    # address answers with the first, so its answer is taken once and checked for each.
    shared = {path for path, count in Counter(path for _k, _v, path in walk).items() if count > 1}
    answers = {}
    for key, variant, path in walk:
        for method in matrix.METHODS:
            response = answers.get((method, path))
            if response is None:
                cache.clear()
                response = request(client, method, path)
                differences += [f"{method} {path}: {p}" for p in inline_code_problems(response)]
                if path in shared:
                    answers[(method, path)] = response
            got = classify(response, path)
            want = matrix.expected(key, role, method, variant)
            if got != want:
                differences.append(f"{method} {path} ({variant}): {got}, declared {want}")
            no_store.see(key, method, variant, path, response)
    differences += no_store.problems()
    assert not differences, f"{len(differences)} differences for {role}:\n" + "\n".join(differences)


def test_the_matrix_declares_only_outcomes_and_roles_it_knows():
    for key, rule in matrix.PAGES.items():
        assert set(rule) == set(matrix.ROLES), key
        for outcomes in rule.values():
            assert set(outcomes) <= matrix.OUTCOMES, key
    for model, spec in matrix.ADMIN_MODELS.items():
        assert set(spec["perms"]) <= set(matrix.STAFF_ROLES), model
        assert all(set(letters) <= set("vacd") for letters in spec["perms"].values()), model
    declared = set(matrix.ADMIN_MODELS)
    registered = set(admin_models().values())
    assert declared == registered, (registered - declared, declared - registered)


def test_a_page_without_a_declaration_fails(monkeypatch):
    monkeypatch.delitem(matrix.PAGES, "privacy:record")
    with pytest.raises(KeyError):
        matrix.expected("privacy:record", roles.DATA_PROTECTION_OFFICER, "GET")
    assert reverse("privacy:record")


def object_parameters(route) -> set[str]:
    """The parameters of a route that name an object (an id), not a token or a step."""
    names = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\(\?P<(\w+)>", route))
    return names - matrix.NOT_AN_OBJECT


def undeclared_object_pages() -> list[str]:
    """The URL patterns that take an object's id and are not declared "this object, this
    person": the web app's in ``OBJECT_REACH`` (each id it takes, with whose objects), the
    admin's with another partner's or company's object (``ADMIN_MODELS``' ``foreign``,
    ``FOREIGN``) or in ``ADMIN_NOT_SCOPED`` with the reason."""
    problems = []
    for name, route, _pattern in url_patterns():
        params = object_parameters(route)
        if not params:
            continue
        if route.startswith("admin/"):
            found = ADMIN_MODEL_URL.match(route)
            label = f"{found['app']}.{found['model']}" if found else None
            spec = matrix.ADMIN_MODELS.get(label, {})
            if name == "admin:view_on_site":  # no object of the portal has a page to show
                covered = all(matrix.OK not in rule for rule in matrix.PAGES[name].values())
            elif len(params) > 1:  # a second id: another's objects in each
                covered = name in matrix.FOREIGN
            else:
                covered = "foreign" in spec or label in matrix.ADMIN_NOT_SCOPED
            if not covered:
                problems.append(f"{name or route} ({route})")
            continue
        declared = matrix.OBJECT_REACH.get(name, {})
        if set(declared) != params:
            problems.append(f"{name} ({route}): ids {sorted(params)}, declared {sorted(declared)}")
    return problems


def test_every_object_page_is_declared():
    """Walks the URL resolver: a page that takes an object's id fails here until someone says
    whose objects it must not open (tests/security/test_object_reach.py then requests them)."""
    problems = undeclared_object_pages()
    assert not problems, "Pages with object ids not declared:\n" + "\n".join(problems)
    for name, ids in matrix.OBJECT_REACH.items():
        assert ids, name
        for kinds in ids.values():
            assert kinds and set(kinds) <= set(matrix.OTHERS), name
            for hidden in kinds.values():
                assert set(hidden) <= set(matrix.ROLES), name
    for label in matrix.ADMIN_NOT_SCOPED:
        assert label in matrix.ADMIN_MODELS, label


def test_an_object_page_without_a_declaration_fails(monkeypatch):
    monkeypatch.delitem(matrix.OBJECT_REACH, "volunteers:visit")
    monkeypatch.delitem(matrix.ADMIN_NOT_SCOPED, "volunteers.homevisit")
    problems = undeclared_object_pages()
    assert any(problem.startswith("volunteers:visit ") for problem in problems), problems
    assert any("admin/volunteers/homevisit/" in problem for problem in problems), problems


# The steps of a placement, each sent with its input -------------------------------------------


def placement_at(world, stage: str, variant: str = "own"):
    """A placement of the world's company (or, "foreign", the other company's) at ``stage``
    ("offered", "proposed" or "started"), through the actions."""
    from accounts.models import User
    from tests.factories import (
        NewcomerCaseFactory,
        WorkPlace,
        offered_placement,
        proposed_placement,
        started_placement,
    )

    objects = world.foreign if variant == "foreign" else world.objects
    placement = objects["work.placement"]
    place = WorkPlace(
        employer=placement.employer,
        unit=placement.integration_unit,
        supervisor=placement.supervisor,
        coordinator=User.objects.filter(
            organisation=placement.integration_unit, groups__name=roles.PARTNER_COORDINATOR
        ).first(),
    )
    case = NewcomerCaseFactory(partner=place.unit)
    if stage == "offered":
        return offered_placement(place)
    if stage == "proposed":
        return proposed_placement(place, case=case)
    return started_placement(place, case=case)


# step -> (the stage it is taken from, its input)
def placement_steps(world, variant="own"):
    from tests.factories import NewcomerCaseFactory

    today = timezone.localdate().isoformat()
    unit = world.orgs["other_partner" if variant == "foreign" else "partner"]
    case = NewcomerCaseFactory(partner=unit)
    return {
        "change_offer": (
            "offered",
            {
                "title": "Ny titel",
                "place": "Lagret",
                "starts_on": today,
                "ends_on": today,
                "hours_per_week": "10",
                "languages": "sv",
            },
        ),
        "propose": (
            "offered",
            {
                "case": case.pk,
                "adult_number": "1",
                "employment_service_reference": "AF-77",
                "consent_given_on": today,
                "consent_given": "in_writing",
            },
        ),
        "withdraw": ("offered", {"reason": "Ingen tid"}),
        "withdraw_proposal": ("proposed", {"reason": "Ångrade sig"}),
        "decline": ("proposed", {"reason": "Passar inte"}),
        "start": ("proposed", {"started_on": today}),
        "complete": ("started", {"ended_on": today}),
        "end_early": ("started", {"ended_on": today, "end_reason": "studies"}),
        "employ": ("started", {"employed_on": today}),
    }


def placement_state(placement):
    from work.models import Placement

    row = Placement.objects.filter(pk=placement.pk).values().get()
    return row, placement.transitions.count(), placement.check_ins.count()


def test_each_step_of_a_placement_is_taken_by_the_roles_the_design_names(world, quick_pages):
    """``PLACEMENT_STEP_TAKERS``: each step sent with a valid input by every role of the admin.
    The takers move the placement on; the others who see it are refused (403, or 400 by a form
    that has nothing to offer them), those who do not find nothing (404); a refused step changes
    nothing."""
    assert set(matrix.PLACEMENT_STEP_TAKERS) == set(admin.site._registry[_placement()].steps)
    steps = placement_steps(world)
    placements = {stage: placement_at(world, stage) for stage in ("offered", "proposed", "started")}
    hidden = matrix.ADMIN_MODELS["work.placement"]["hidden"]
    differences = []
    for role in matrix.STAFF_ROLES:
        client = role_client(world, role)
        for name, (stage, data) in steps.items():
            placement = placements[stage]
            path = reverse("admin:work_placement_step", args=[placement.pk, name])
            if role in hidden:
                want = matrix.NOT_FOUND
            elif role in matrix.PLACEMENT_STEP_TAKERS[name]:
                want = "done"
            else:
                want = "refused"
            with transaction.atomic():
                before = placement_state(placement)
                response = client.post(path, data)
                after = placement_state(placement)
                transaction.set_rollback(True)
            got = classify(response, path)
            if got == matrix.OK and response.status_code == 302:
                got = "done" if after != before else "redirect, nothing changed"
            elif after != before:
                got = f"{got}, but changed"
            elif response.status_code in (400, 403):
                # The action refuses (403); the employer's proposal form has no case to offer
                # them, so it is refused on the form (400) before the action is asked.
                got = "refused"
            if got != want:
                differences.append(f"{role} {name}: {got} ({response.status_code}), want {want}")
    assert not differences, "\n".join(differences)


def _placement():
    from work.models import Placement

    return Placement
