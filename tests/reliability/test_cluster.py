"""The portal on more than one machine, small: ``bench/cluster.py``'s scenario in a test.

Two gunicorn instances (real subprocesses, production's settings), two Celery worker nodes and
one beat run against the test's PostgreSQL database and a Redis of the test's own (broker and
cache). Residents sign up and volunteers work the call queue, each request going to the other
instance than the one before; a manager asks for the same year-end report on both instances at
once; a resident asks for their link more often than the limit allows, on both instances; every
beat job runs every three seconds. Nothing may be lost, claimed twice, produced twice, let through
beyond the shared limit, or run twice by beat's workers.
"""

import contextlib
import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import global_settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organisation
from tests import workers
from tests.conftest import require
from tests.factories import OrganisationFactory, PartnershipFactory

BASE_DIR = Path(__file__).resolve().parents[2]

# Transactional: the web instances and workers are other processes and must see the seeded rows.
# After another transactional test on the same worker every table is empty: the role groups are
# made again (``role_groups``; the manager is given one by name) and the municipalities and
# localities put back (``_reference_data_in_transactional_tests``, autouse).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]


def bench_cluster():
    spec = importlib.util.spec_from_file_location("bench_cluster", BASE_DIR / "bench/cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def collected_static(env: dict[str, str]) -> str:
    """The static files collected as production has them (manifest, compressed), made once per
    set of source files and kept in the temporary directory for the next run."""
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    entries = sorted(
        (path, storage.path(path))
        for finder in finders.get_finders()
        for path, storage in finder.list([])
    )
    for path, full in entries:
        stat = os.stat(full)
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    root = Path(tempfile.gettempdir()) / f"portal-cluster-static-{digest.hexdigest()[:16]}"
    if not (root / "staticfiles.json").exists():
        partial = root.with_name(f"{root.name}-{os.getpid()}")
        subprocess.run(  # noqa: S603 (our own manage.py, a fixed command)
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=BASE_DIR,
            env={**env, "STATIC_ROOT": str(partial)},
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )
        with contextlib.suppress(OSError):  # another process made it meanwhile
            partial.rename(root)
    return str(root)


def test_two_web_instances_two_workers_and_one_beat_lose_and_double_nothing(tmp_path):
    require(connection.vendor == "postgresql", "the cluster runs on PostgreSQL")
    require(workers.RedisServer.available(), "redis-server, for the cluster's broker and cache")
    require(importlib.util.find_spec("gunicorn") is not None, "gunicorn")
    cluster = bench_cluster()
    redis = workers.RedisServer(tmp_path / "redis.log")
    for part in ("logs", "media", "mail"):
        (tmp_path / part).mkdir()
    processes = cluster.Processes(tmp_path / "logs")
    redis.start()
    try:
        server = redis.url.rsplit("/", 1)[0]
        args = cluster.parse_args(
            [
                "--database-url",
                workers.test_database_url(),
                "--broker-url",
                f"{server}/0",
                "--cache-url",
                f"{server}/1",
                "--duration",
                "6",
                "--min-flows",
                "2",
                "--signup-threads",
                "2",
                "--volunteers",
                "2",
                "--hosts",
                "20",
                "--web-workers",
                "1",
                "--threads",
                "2",
                "--beat-every",
                "3",
                "--pause",
                "0.2",
            ]
        )
        OrganisationFactory(
            name="Volontärbyrån Kluster", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        )
        today = timezone.localdate()
        PartnershipFactory(
            period_start=today - timedelta(days=400), period_end=today - timedelta(days=35)
        )
        # The web processes check passwords with production's hashers, not the tests' MD5.
        with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
            partnership = cluster.seed_people(args)
        ports = [cluster.free_port(), cluster.free_port()]
        env = cluster.cluster_env(
            args,
            site_port=ports[0],
            static_root="",
            media_root=str(tmp_path / "media"),
            mail_dir=str(tmp_path / "mail"),
        )
        env["STATIC_ROOT"] = collected_static(env)
        figures = cluster.run_cluster(
            args,
            partnership,
            ports=ports,
            env=env,
            processes=processes,
            mail_dir=tmp_path / "mail",
        )
    finally:
        processes.stop_all()
        redis.stop()
    values = cluster.summary(args, figures)
    logs = {
        path.name: path.read_text(errors="replace")[-1500:]
        for path in (tmp_path / "logs").glob("*.log")
    }
    context = (values, figures["phases"], figures["tally"].errors[:5], logs)
    assert {name: values[name] for name in cluster.ZERO_FIGURES} == dict.fromkeys(
        cluster.ZERO_FIGURES, 0
    ), context
    # The run did what it says: load on both instances, sign-ups and claims made, the report
    # produced, every beat job run by the workers.
    assert values["requests_instance_1"] > 20 and values["requests_instance_2"] > 20, context
    assert values["signups_accepted"] >= 2 and values["claims"] >= 2, context[:3]
    assert values["confirmation_emails_delivered"] == values["signups_accepted"], context
    assert values["report_requests_answered"] == 2 and values["report_productions"] == 1, context
    assert values["link_requests_refused"] == 3, context
    jobs = figures["per_job"]
    assert all(sends >= 1 for sends, _nodes in jobs.values()), context
    assert values["beat_runs"] == values["beat_sends"], context
