"""Walking pages in Chromium as a person would, on the portal served from the test's transaction
(tests/browser/inprocess.py): each page is checked by axe-core for WCAG 2.1 A and AA
(tests/browser/axe.py), for server errors and, on a Swedish page, for messages the Swedish
catalogue lacks (tests/i18n_guard.py).

    problems = visit(page, "/volunteer/queue/")      # [] when all is well
    assert not problems, "\\n".join(problems)
"""

from tests.browser.axe import violations


def visit(page, path: str, *, expect_status: int = 200, axe: bool = True) -> list[str]:
    """Open ``path`` and return what is wrong with the page: its status, axe's violations (unless
    ``axe`` is false: the same page was checked already), the Swedish page's untranslated
    messages."""
    page.served.forget()
    response = page.goto(page.served.url + path)
    return check(
        page, path, status=response.status if response else None, expect=expect_status, axe=axe
    )


def check(page, what: str, *, status=None, expect: int = 200, axe: bool = True) -> list[str]:
    """What is wrong with the page as it is now (after a visit, a click or a submit)."""
    served = page.served
    problems = []
    if status is not None and status != expect:
        problems.append(f"{what}: answered {status}, not {expect}")
    problems += [f"{what}: server error {error}" for error in served.server_errors]
    if axe:
        problems += [f"{what}: {line}" for line in violations(page)]
    language = page.evaluate("() => document.documentElement.lang")
    if language == "sv":
        problems += [f"{what}: not in the Swedish catalogue: {m!r}" for m in sorted(served.missed)]
    served.forget()
    return problems
