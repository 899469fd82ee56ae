"""The report's last page is no stray page (issue 18): with a realistic year of figures the last
page held only the closing notes, a few lines at its top; the last definitions and the notes now
go over together (reports/_definitions.html, keep_tail)."""

from datetime import date

import pytest

from tests.reports.test_document_formats import last_page_filled
from tests.reports.test_documents import produced, realistic_year


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_the_last_page_of_a_realistic_year_is_no_stray_page(organisations, media, tmp_path):
    partnership = realistic_year(organisations)
    for language in ("sv", "en"):
        data = produced(partnership, language, date(2026, 12, 1)).pdf.read()
        filled = last_page_filled(data, tmp_path)
        assert filled >= 0.4, (language, round(filled, 2))
