"""One canonical form of an e-mail address and of a user name: the identity the portal uses.

Every lookup, rate limit and uniqueness check compares these forms exactly (``=``), never with
the database's case-insensitive matching (``__iexact``) nor with ``str.lower()``/``casefold()``
on the whole address: those fold ``ı`` (dotless i) to ``i``, ``ſ`` (long s) to ``s`` and ``K``
(the Kelvin sign) to ``k`` in some places and not in others, so ``anna@gmaıl.example`` - a
different, registrable domain - was taken for ``anna@gmail.example``.

The rule, as a mail operator would apply it:

1. The whole address is normalised to Unicode NFKC, so fullwidth letters and signs typed with an
   East Asian keyboard (``ａｎｎａ＠ｅｘａｍｐｌｅ．ｓｅ``) become the ASCII ones, and compatibility
   letters become their plain letter (``ſ`` → ``s``, ``K`` → ``K``). Spaces around it are removed.
2. The domain (after the last ``@``) goes through IDNA 2008 with the UTS #46 mapping
   (non-transitional, the ``idna`` package), and is stored as its ASCII form (the A-label): the
   mapping lower-cases it, ``BÜCHER.example`` and ``xn--bcher-kva.example`` are the same domain,
   and ``gmaıl.example`` stays a different domain (``xn--gmal-nza.example``), as it is on the
   internet. A domain that IDNA 2008 refuses is refused with a clear message. The ASCII form is
   also what the portal sends to, so no mail library re-encodes the domain its own way (Python's
   ``idna`` codec is IDNA 2003, which would turn ``straße`` into ``strasse``).
3. The local part (before the ``@``) must be ASCII after step 1, and only its ASCII letters are
   lower-cased: mail providers treat ``Anna`` and ``anna`` as one mailbox, and the portal always
   has. A local part with any other character (``annı``, a Cyrillic ``а``) is refused: the portal
   cannot deliver to such a mailbox reliably, and it is where look-alikes hide.
4. The result must still be a valid address of at most 254 characters.

The canonical form is the address the portal stores, sends to and compares, so identity and
delivery cannot part: whoever reads the mailbox the portal writes to is the one the portal knows.

A user name's canonical form (``canonical_username``) is its NFKC form with ASCII letters
lower-cased; other characters keep their case, so no Unicode case folding can merge two names.
"""

import unicodedata

import idna
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 254

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

INVALID = EmailValidator.message  # Django's own words, translated by Django
LOCAL_PART_NOT_ASCII = _(
    "The part before the @ may only contain the letters a–z without accents, digits and signs "
    "such as . - _ +. Check the address."
)
DOMAIN_NOT_VALID = _("The part after the @ is not a valid domain name. Check the address.")
TOO_LONG = _("This e-mail address is too long.")


def _lower_ascii(value: str) -> str:
    return value.translate(_ASCII_LOWER)


def canonical_email(value: str) -> str:
    """The canonical form of ``value`` (see the module's docstring), or ``ValidationError`` with
    a message for the person who typed it."""
    address = unicodedata.normalize("NFKC", value or "").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(INVALID, code="invalid")
    if not local.isascii():
        raise ValidationError(LOCAL_PART_NOT_ASCII, code="local_part")
    try:
        ascii_domain = idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValidationError(DOMAIN_NOT_VALID, code="domain") from None
    canonical = f"{_lower_ascii(local)}@{_lower_ascii(ascii_domain)}"
    if len(canonical) > MAX_LENGTH:
        raise ValidationError(TOO_LONG, code="max_length")
    validate_email(canonical)
    return canonical


def canonical_email_or_none(value: str) -> str | None:
    """The canonical form, or None for an address the rule refuses (it matches nothing)."""
    try:
        return canonical_email(value)
    except ValidationError:
        return None


def rate_limit_key(value: str) -> str:
    """What a rate limit counts a typed address under: its canonical form, so no spelling of
    the same address gets a limit of its own. A refused address is counted as typed (it is
    never sent anything)."""
    return canonical_email_or_none(value) or _lower_ascii((value or "").strip())[:MAX_LENGTH]


def canonical_username(value: str) -> str:
    """A user name as stored and looked up: NFKC, without spaces around it, ASCII letters
    lower-cased (``Anna.Ek`` and ``anna.ek`` are one name; ``annı`` and ``anni`` are two)."""
    return _lower_ascii(unicodedata.normalize("NFKC", value or "").strip())


class CanonicalEmailFormField(forms.EmailField):
    """An e-mail field whose cleaned value is the canonical form; a refused address gets its
    message on the field, and the form keeps what was typed."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return canonical_email(value)


class CanonicalEmailField(models.EmailField):
    """An e-mail column that holds the canonical form: forms (the admin's too) clean to it, and
    a value set in code is brought to it when saved (an address the rule refuses is kept as it
    is: it can never equal a canonical form, so no lookup finds it by mistake)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CanonicalEmailFormField, **kwargs})

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value:
            canonical = canonical_email_or_none(value)
            if canonical is not None and canonical != value:
                setattr(model_instance, self.attname, canonical)
                value = canonical
        return value
