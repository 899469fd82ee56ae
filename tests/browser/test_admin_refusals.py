"""The admin's two refusal pages, which no walk reaches by clicking: the page of a step the
workflow refused and no view handled (``workflow.middleware``: ``admin/domain_error.html``, for
403, 400 and 409) and the propose step's own refusal (``admin/workflow/refused.html``). Each is
rendered as its handler renders it, for the demo's partner coordinator, and checked in Chromium on a phone
in Swedish and English: axe-core (WCAG 2.1 A/AA), the admin's own styles in place, no server
error, nothing missing from the Swedish catalogue. On the seeded demo, with the other walks:
a browser test on a database of its own, before the demo's, would leave later tests of the
process a closed connection (see ``_demo_order`` in tests/conftest.py)."""

import pytest

from tests.browser.inprocess import PHONE
from tests.browser.walk import check
from tests.conftest import demo_user

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_admins_refusal_pages(browser, served, demo, language):
    from django.contrib.admin import site
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    from newcomers.models import NewcomerCase
    from tests.i18n_guard import swedish_misses

    user = demo_user("samordnare")
    request = RequestFactory().get("/admin/")
    request.user = user
    request.session = {}
    pages = [
        ("admin/domain_error.html", {"status": 403, "message": "Nej."}),
        ("admin/domain_error.html", {"status": 400, "message": "Nej."}),
        ("admin/domain_error.html", {"status": 409, "message": "Nej."}),
        (
            "admin/workflow/refused.html",
            {
                "opts": NewcomerCase._meta,
                "title": "Propose",
                "message": "Nej.",
                "back_url": "/admin/",
            },
        ),
    ]
    problems = []
    with served.page(browser, user=user, language=language, viewport=PHONE) as page:
        page.goto(served.url + "/admin/")  # the same address, so /static/ resolves
        for template, context in pages:
            with translation.override(language), swedish_misses() as missed:
                html = render_to_string(
                    template, {**site.each_context(request), **context}, request=request
                )
            page.set_content(html)
            page.wait_for_load_state("load")
            # The admin's styles are there, so that axe judges the colours people see.
            assert page.locator("#header").count() == 1
            assert page.evaluate(
                "() => getComputedStyle(document.querySelector('.errornote')).borderStyle"
            ) not in ("", "none")
            what = f"{template} {context.get('status', '')}"
            assert "Nej." in page.inner_text("main, #content-main")
            problems += check(page, what)
            if language == "sv":
                problems += [f"{what}: not in the Swedish catalogue: {m!r}" for m in missed]
    assert not problems, "\n".join(problems)
