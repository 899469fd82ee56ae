"""Actions are the only code that changes a status or calls the workflow engine.

The test reads the source of every module of the portal (and the seed and the test factories)
and fails on any of these outside an app's ``actions.py`` (or ``actions/`` package):

- a call of the engine: ``<X>_WORKFLOW.apply(…)`` / ``.log_created(…)``, ``self.workflow.apply``;
- a call of the step wrappers ``transition_home`` / ``transition_case``;
- a write of a status: ``obj.status = …``, ``setattr(obj, "status", …)``,
  ``….update(status=…)``, ``….create(status=…)``, ``Model(status=…)``, ``bulk_update([...], ["status"])``.

Reading a status, filtering on it and comparing it stay free for everyone.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "hosts",
    "housing",
    "matching",
    "matching_portal",
    "newcomers",
    "notifications",
    "outreach",
    "privacy",
    "reports",
    "stays",
    "volunteers",
    "work",
    "workflow",
]
EXTRA = ["tests/factories.py"]
ENGINE_METHODS = {"apply", "log_created"}
STEP_WRAPPERS = {"transition_home", "transition_case"}
STATUS_FIELDS = {"status"}
# Functions that build hand-made histories on purpose, each with its reason. Nothing else.
ALLOWED = {
    # The report tests count a history whose every date is given: these write the rows (and the
    # stage they end in) as the recount needs them, dated in the past. They are test data for the
    # reports, not steps a person takes.
    ("tests/factories.py", "home_with_history"),
    ("tests/factories.py", "match_with_history"),
    # Ranking tests and the benchmark place many referred homes at once, without a history.
    ("tests/factories.py", "open_home"),
    # A home referred with the history of the steps before, for the many tests of what comes
    # after referral (matching, the stay). Going through the visit's steps would need the clock
    # moved past the visit's start in every one of them.
    ("tests/factories.py", "referred_home"),
    # The permission matrix's world has one match, only proposed, around which every page is
    # walked: its concerns, meetings and surveys (which the actions open only for a stay under
    # way) are written as rows, in the stages the pages need.
    ("tests/factories.py", "world_surveys"),
    ("tests/factories.py", "concern_with_meeting"),
}


def _model_names() -> set[str]:
    from django.apps import apps

    return {model.__name__ for model in apps.get_models()}


def _is_actions_module(relative: str) -> bool:
    parts = Path(relative).parts
    return parts[-1] == "actions.py" or (len(parts) >= 2 and parts[-2] == "actions")


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or _is_actions_module(relative):
                continue
            if relative == "workflow/engine.py":  # the engine itself
                continue
            yield relative
    yield from EXTRA


class _Finder(ast.NodeVisitor):
    def __init__(self, relative):
        self.relative = relative
        self.function = None
        self.problems = []

    def visit_FunctionDef(self, node):
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def _flag(self, node, what):
        if (self.relative, self.function) in ALLOWED:
            return
        self.problems.append(f"{self.relative}:{node.lineno} {what}")

    def visit_Assign(self, node):
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr in STATUS_FIELDS:
                self._flag(node, f"writes .{target.attr}")
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if isinstance(func, ast.Attribute) and name in ENGINE_METHODS:
            receiver = ast.unparse(func.value)
            if receiver.endswith("WORKFLOW") or receiver.endswith("workflow"):
                self._flag(node, f"calls the engine: {receiver}.{name}()")
        if name in STEP_WRAPPERS:
            self._flag(node, f"calls {name}()")
        if name == "setattr" and len(node.args) >= 2:
            field = node.args[1]
            if isinstance(field, ast.Constant) and field.value in STATUS_FIELDS:
                self._flag(node, "setattr(…, 'status', …)")
        keywords = {k.arg for k in node.keywords if k.arg}
        writes_status = keywords & STATUS_FIELDS
        if writes_status and name in {"update", "create", "get_or_create", "update_or_create"}:
            self._flag(node, f"{name}(status=…)")
        if writes_status and name in _model_names():
            self._flag(node, f"{name}(status=…)")
        if name == "bulk_update" and _names_a_status(node):
            self._flag(node, "bulk_update(…, ['status'])")
        self.generic_visit(node)


def _problems():
    found = []
    for relative in _sources():
        finder = _Finder(relative)
        finder.visit(ast.parse((ROOT / relative).read_text(), relative))
        found.extend(finder.problems)
    return found


def _names_a_status(call: ast.Call) -> bool:
    """Whether a ``bulk_update`` call's fields (second argument or ``fields=``) name a status
    field: a list or tuple of strings is read exactly ("status_changed_at" is a time, not a
    status); anything else (a variable, say) counts as naming one, since it may."""
    fields = call.args[1] if len(call.args) >= 2 else None
    for keyword in call.keywords:
        if keyword.arg == "fields":
            fields = keyword.value
    if fields is None:
        return False
    if isinstance(fields, ast.List | ast.Tuple) and all(
        isinstance(item, ast.Constant) and isinstance(item.value, str) for item in fields.elts
    ):
        return any(item.value in STATUS_FIELDS for item in fields.elts)
    return True


def test_nothing_outside_actions_calls_the_engine_or_writes_a_status():
    problems = _problems()
    assert not problems, "Only actions may change a status:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "def f(home):\n    home.status = 'visited'\n",
        "def f(home):\n    Home.objects.filter(pk=1).update(status='visited')\n",
        "def f(home):\n    HOME_WORKFLOW.apply(home, 'approve_visit', user=None)\n",
        "def f(self, obj):\n    self.workflow.apply(obj, 'x')\n",
        "def f(home):\n    transition_home(home=home, name='contact')\n",
        "def f(run):\n    setattr(run, 'status', 'done')\n",
        "def f():\n    ReportRun(status='done').save()\n",
        "def f(runs):\n    ReportRun.objects.bulk_update(runs, ['progress', 'status'])\n",
        "def f(runs):\n    ReportRun.objects.bulk_update(runs, fields=('status',))\n",
        "def f(runs, names):\n    ReportRun.objects.bulk_update(runs, names)\n",
    ],
)
def test_the_check_finds_each_kind_of_write(snippet):
    """The check is not blind: each kind of write it looks for is found in a sample."""
    finder = _Finder("hosts/views.py")
    finder.visit(ast.parse(snippet))
    assert finder.problems


def test_reading_and_filtering_a_status_is_free():
    finder = _Finder("hosts/views.py")
    finder.visit(
        ast.parse(
            "def f(home, cases):\n"
            "    Home.objects.filter(status='visited').exclude(status='x')\n"
            "    NewcomerCase.objects.bulk_update(cases, ['created_at', 'status_changed_at'])\n"
            "    return home.status == 'visited'\n"
        )
    )
    assert not finder.problems
