"""Swedish all the way: which msgids a Swedish page asked for that the catalogue lacks.

``swedish_misses()`` records, while it is open, every message looked up in Swedish (gettext,
ngettext, pgettext, lazy or not, in templates and in code, Django's own and the portal's) that
neither the portal's catalogue (locale/sv) nor Django's Swedish catalogues translate: such a
message is shown to a Swedish reader in English. The page walks
(tests/browser/inprocess.py, tests/test_swedish_pages.py) fail on any.

    with swedish_misses() as missed:
        client.get("/volunteer/")
    assert not missed
"""

import contextlib
from unittest import mock

from django.utils.translation.trans_real import CONTEXT_SEPARATOR, DjangoTranslation

SWEDISH = "sv"

_gettext = DjangoTranslation.gettext
_ngettext = DjangoTranslation.ngettext

_recorders: list[set[str]] = []


def _readable(message: str) -> str:
    context, _sep, text = message.rpartition(CONTEXT_SEPARATOR)
    return f"{text} (context: {context})" if context else text


def _record(message: str) -> None:
    for missed in _recorders:
        missed.add(_readable(message))


def _gettext_watched(self, message):
    result = _gettext(self, message)
    if _recorders and message and self.language() == SWEDISH and message not in self._catalog:
        _record(message)
    return result


def _ngettext_watched(self, msgid1, msgid2, n):
    result = _ngettext(self, msgid1, msgid2, n)
    if _recorders and self.language() == SWEDISH:
        try:
            self._catalog.plural(msgid1, n)
        except KeyError:
            _record(msgid1)
    return result


@contextlib.contextmanager
def swedish_misses():
    """A set that fills with the Swedish look-ups the catalogues cannot answer."""
    missed: set[str] = set()
    _recorders.append(missed)
    try:
        with (
            mock.patch.object(DjangoTranslation, "gettext", _gettext_watched),
            mock.patch.object(DjangoTranslation, "ngettext", _ngettext_watched),
        ):
            yield missed
    finally:
        _recorders.remove(missed)
