"""Locust scenario for ``bench/load.py``: public sign-ups and volunteers working the call queue.

Run through ``bench/load.py``, which seeds the database, starts gunicorn on 127.0.0.1 and reads
what this file writes. Two kinds of user, in proportion 3 : 1:

- ``SignUpUser``, a resident offering a room: a fresh session each time, GET /offer/, POST the
  form, GET /offer/check/, POST the consent. A sign-up counts as accepted only when that last POST
  answers 302 to /offer/sent/; its (unique) e-mail address is recorded.
- ``VolunteerUser``, a volunteer with a seeded account (one account per locust user): logs in at
  /accounts/login/, then loops: POST /volunteer/queue/next/, GET /volunteer/queue/, "calls" the
  host shown (a short pause), POST an outcome (mostly no answer, some interested), and records
  which queue entry and home it held and when.

Configuration comes from the environment that ``load.py`` sets (BENCH_*). When locust quits,
everything recorded goes to ``$BENCH_OUT_DIR/records.json``.

With ``BENCH_FLOOR_QUERIES`` set (a JSON object: request name -> queries), the same two kinds of
user, in the same proportion and at the same pace (the same waits, the same "phone call"), make
the same sequence of requests to the bench's bare view instead (``/bench-floor/?queries=N``, see
``bench/load_urls.py``), each running as many trivial queries as the portal's page it stands
for: the floor the portal is measured against.
"""

import itertools
import json
import os
import random
import re
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task

RUN_ID = os.environ.get("BENCH_RUN_ID", "run")
OUT_DIR = Path(os.environ.get("BENCH_OUT_DIR", "."))
VOLUNTEER_PREFIX = os.environ.get("BENCH_VOLUNTEER_PREFIX", "bench-volunteer-")
VOLUNTEER_PASSWORD = os.environ.get("BENCH_VOLUNTEER_PASSWORD", "")
VOLUNTEER_COUNT = int(os.environ.get("BENCH_VOLUNTEER_COUNT", "50"))
INTERESTED_SHARE = float(os.environ.get("BENCH_INTERESTED_SHARE", "0.2"))
FLOOR_QUERIES = json.loads(os.environ.get("BENCH_FLOOR_QUERIES") or "null")
FLOOR = FLOOR_QUERIES is not None

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OUTCOME_RE = re.compile(r'action="/volunteer/queue/(\d+)/outcome/"')
HOME_RE = re.compile(r'action="/volunteer/homes/(\d+)/note/"')
HOST_NAME_RE = re.compile(r'<h1 class="h3 mb-1">([^<]*)</h1>')

# What the run recorded, written out when locust quits.
RECORDS = {
    "signups_started": 0,
    "signups_accepted": [],  # e-mail addresses
    "claims": [],  # one dict per host a volunteer was shown as theirs
    "queue_empty": 0,
    "logins": 0,
}
_signup_numbers = itertools.count(1)
_volunteer_numbers = itertools.count(1)

# (municipality code, postcode): the form's municipality is a choice by code.
TOWNS = [("2380", "83130"), ("2309", "83531"), ("2309", "83593"), ("2309", "83580")]


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def form(data: dict) -> str:
    """A form body as a browser sends it (a list value repeats its key, like checkboxes)."""
    return urlencode(data, doseq=True)


def csrf_token(text: str) -> str | None:
    match = CSRF_RE.search(text or "")
    return match.group(1) if match else None


def location_path(response) -> str:
    """The path of a redirect's Location header (Django sends relative ones)."""
    location = response.headers.get("Location") or response.headers.get("location") or ""
    return re.sub(r"^https?://[^/]+", "", location)


def expect_redirect(response, prefix: str) -> bool:
    """Mark the response a failure unless it is a 302 to a path starting with ``prefix``."""
    target = location_path(response)
    if response.status_code == 302 and target.startswith(prefix):
        response.success()
        return True
    response.failure(f"expected 302 to {prefix}, got {response.status_code} to {target!r}")
    return False


def expect_ok(response) -> bool:
    if response.status_code == 200:
        response.success()
        return True
    response.failure(f"expected 200, got {response.status_code}")
    return False


class SignUpUser(FastHttpUser):
    """A resident who offers a room through the public form, start to finish."""

    abstract = FLOOR
    weight = 3
    wait_time = between(1, 3)

    def offer(self, email: str) -> dict:
        town, postcode = random.choice(TOWNS)
        return {
            "name": f"Last Testsson {random.randint(1, 999)}",
            "email": email,
            "phone": f"070-{random.randint(100, 999)} {random.randint(10, 99)} {random.randint(10, 99)}",
            "street_address": f"Storgatan {random.randint(1, 99)}",
            "postcode": postcode,
            "municipality": town,
            "kind": random.choice(["room", "whole_home", "separate_house"]),
            "beds": str(random.randint(1, 4)),
            "accessibility_notes": "",
            "available_from": (date.today() + timedelta(days=random.randint(1, 90))).isoformat(),
            "available_months": random.choice(["", "3", "6", "12"]),
            "rent_per_month": str(random.choice([0, 2500, 4000])),
            "household_description": "Två vuxna och en katt, vi jobbar dagtid.",
            "pets_description": "",
            "smoking": "no",
            "languages": ["sv", "en"],
            "other_languages": "",
            "hopes": "Att någon får en bra start.",
            "heard_from": "friend",
            "website": "",
        }

    @task
    def sign_up(self):
        # A new person each time: a fresh session and CSRF cookie.
        self.client.cookiejar.clear()
        RECORDS["signups_started"] += 1
        email = f"load-{RUN_ID}-{next(_signup_numbers)}@example.org"
        with self.client.get("/offer/", name="/offer/ (form)", catch_response=True) as r:
            if not expect_ok(r):
                return
            token = csrf_token(r.text)
        data = {"csrfmiddlewaretoken": token, **self.offer(email)}
        with self.client.post(
            "/offer/",
            data=form(data),
            headers=FORM_HEADERS,
            name="/offer/ (send)",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if not expect_redirect(r, "/offer/check/"):
                return
        with self.client.get("/offer/check/", name="/offer/check/", catch_response=True) as r:
            if not expect_ok(r):
                return
            token = csrf_token(r.text)
        with self.client.post(
            "/offer/check/",
            data=form({"csrfmiddlewaretoken": token, "consent": "on"}),
            headers=FORM_HEADERS,
            name="/offer/check/ (consent)",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if not expect_redirect(r, "/offer/sent/"):
                return
        RECORDS["signups_accepted"].append(email)
        with self.client.get("/offer/sent/", name="/offer/sent/", catch_response=True) as r:
            expect_ok(r)


class VolunteerUser(FastHttpUser):
    """A volunteer working the shared call queue from their phone."""

    abstract = FLOOR
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        number = next(_volunteer_numbers)
        if number > VOLUNTEER_COUNT:
            raise RuntimeError("more volunteer users than seeded accounts")
        self.username = f"{VOLUNTEER_PREFIX}{number}"
        self.token = None
        self.logged_in = False
        self.log_in()

    def log_in(self):
        with self.client.get("/accounts/login/", name="/accounts/login/", catch_response=True) as r:
            if not expect_ok(r):
                return
            token = csrf_token(r.text)
        with self.client.post(
            "/accounts/login/",
            data=form(
                {
                    "csrfmiddlewaretoken": token,
                    "username": self.username,
                    "password": VOLUNTEER_PASSWORD,
                    "next": "/volunteer/",
                }
            ),
            headers=FORM_HEADERS,
            name="/accounts/login/ (send)",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            self.logged_in = expect_redirect(r, "/volunteer/")
        if self.logged_in:
            RECORDS["logins"] += 1
            with self.client.get("/volunteer/", name="/volunteer/", catch_response=True) as r:
                if expect_ok(r):
                    self.token = csrf_token(r.text)

    @task(10)
    def work_the_queue(self):
        if not self.logged_in or not self.token:
            self.log_in()
            return
        with self.client.post(
            "/volunteer/queue/next/",
            data=form({"csrfmiddlewaretoken": self.token}),
            headers=FORM_HEADERS,
            name="/volunteer/queue/next/",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if not expect_redirect(r, "/volunteer/queue/"):
                return
        with self.client.get(
            "/volunteer/queue/", name="/volunteer/queue/", catch_response=True
        ) as r:
            if not expect_ok(r):
                return
            seen_at = time.time()
            page = r.text
        self.token = csrf_token(page) or self.token
        entry = OUTCOME_RE.search(page)
        if entry is None:
            RECORDS["queue_empty"] += 1
            return
        home = HOME_RE.search(page)
        name = HOST_NAME_RE.search(page)
        claim = {
            "volunteer": self.username,
            "entry": int(entry.group(1)),
            "home": int(home.group(1)) if home else None,
            "host": name.group(1).strip() if name else "",
            "seen_at": seen_at,
            "released_at": None,
            "outcome": None,
            "outcome_status": None,
        }
        RECORDS["claims"].append(claim)
        gevent.sleep(random.uniform(0.5, 2.0))  # the phone call
        outcome = "interested" if random.random() < INTERESTED_SHARE else "no_answer"
        claim["released_at"] = time.time()
        claim["outcome"] = outcome
        with self.client.post(
            f"/volunteer/queue/{claim['entry']}/outcome/",
            data=form({"csrfmiddlewaretoken": self.token, "outcome": outcome, "note": "Lasttest"}),
            headers=FORM_HEADERS,
            name="/volunteer/queue/[id]/outcome/",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            claim["outcome_status"] = r.status_code
            prefix = "/volunteer/homes/" if outcome == "interested" else "/volunteer/queue/"
            if not expect_redirect(r, prefix):
                return
            target = location_path(r)
        if outcome == "interested":
            # The volunteer is sent on to book a visit; looking at the page is enough here.
            with self.client.get(
                target, name="/volunteer/homes/[id]/visit/", catch_response=True
            ) as r:
                if expect_ok(r):
                    self.token = csrf_token(r.text) or self.token

    @task(1)
    def start_page(self):
        if not self.logged_in:
            return
        with self.client.get("/volunteer/", name="/volunteer/", catch_response=True) as r:
            if expect_ok(r):
                self.token = csrf_token(r.text) or self.token


# The floor ----------------------------------------------------------------------------------


def floor_get(client, name: str) -> bool:
    """The bare view standing in for the request ``name``, with that request's queries."""
    queries = int(round((FLOOR_QUERIES or {}).get(name, 0)))
    with client.get(
        f"/bench-floor/?queries={queries}", name=f"floor {name}", catch_response=True
    ) as r:
        return expect_ok(r)


class FloorSignUpUser(FastHttpUser):
    """``SignUpUser``'s requests and pace, each to the bare view."""

    abstract = not FLOOR
    weight = 3
    wait_time = between(1, 3)

    @task
    def sign_up(self):
        self.client.cookiejar.clear()
        for name in (
            "/offer/ (form)",
            "/offer/ (send)",
            "/offer/check/",
            "/offer/check/ (consent)",
            "/offer/sent/",
        ):
            if not floor_get(self.client, name):
                return


class FloorVolunteerUser(FastHttpUser):
    """``VolunteerUser``'s requests and pace, each to the bare view (the log-in's password
    hashing included in neither the floor's queries nor its CPU)."""

    abstract = not FLOOR
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        for name in ("/accounts/login/", "/accounts/login/ (send)", "/volunteer/"):
            floor_get(self.client, name)

    @task(10)
    def work_the_queue(self):
        if not floor_get(self.client, "/volunteer/queue/next/"):
            return
        if not floor_get(self.client, "/volunteer/queue/"):
            return
        gevent.sleep(random.uniform(0.5, 2.0))  # the phone call
        interested = random.random() < INTERESTED_SHARE
        if floor_get(self.client, "/volunteer/queue/[id]/outcome/") and interested:
            floor_get(self.client, "/volunteer/homes/[id]/visit/")

    @task(1)
    def start_page(self):
        floor_get(self.client, "/volunteer/")


@events.quitting.add_listener
def write_records(environment, **_kwargs):
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "records.json").write_text(json.dumps(RECORDS), encoding="utf-8")
