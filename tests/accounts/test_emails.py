"""The canonical form of e-mail addresses and user names (``accounts.emails``): one spelling of
an address is one identity, and two different mailboxes never share one."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from accounts.emails import canonical_email, canonical_username, rate_limit_key
from accounts.models import User
from tests.factories import UserFactory


@pytest.mark.parametrize(
    "typed, canonical",
    [
        # Mixed-case ASCII: one mailbox, as every provider treats it.
        ("Anna.Ek@Example.SE", "anna.ek@example.se"),
        ("  anna@example.se  ", "anna@example.se"),
        # IDNA 2008 with the UTS #46 mapping: the Unicode and the ASCII spelling of the domain
        # are the same domain, kept in its ASCII form.
        ("anna@BÜCHER.example", "anna@xn--bcher-kva.example"),
        ("anna@bücher.example", "anna@xn--bcher-kva.example"),
        ("anna@xn--bcher-kva.example", "anna@xn--bcher-kva.example"),
        ("anna@XN--BCHER-KVA.example", "anna@xn--bcher-kva.example"),
        # IDNA 2008, not 2003: ß is a letter of its own, not "ss".
        ("anna@straße.example", "anna@xn--strae-oqa.example"),
        # Fullwidth letters and signs (an East Asian keyboard) are the ASCII ones.
        ("ａｎｎａ＠ｅｘａｍｐｌｅ．ｓｅ", "anna@example.se"),
        # The Kelvin sign and the long s are compatibility forms of K and s (NFKC).
        ("\u212aalle@example.se", "kalle@example.se"),
        ("ka\u017f\u017fa@example.se", "kassa@example.se"),
        ("anna@gma\u017fl.example", "anna@gmasl.example"),
        # The dotless ı in a domain is a letter of a different, registrable domain.
        ("anna@gma\u0131l.example", "anna@xn--gmal-nza.example"),
        ("anna@gma\u0130l.example", "anna@xn--gmail-bgd.example"),
    ],
)
def test_canonical_form(typed, canonical):
    assert canonical_email(typed) == canonical
    assert canonical_email(canonical) == canonical  # stable: the stored form stays as it is


def test_look_alike_domains_stay_apart_from_the_real_one():
    real = canonical_email("anna@gmail.example")
    for look_alike in ["anna@gma\u0131l.example", "anna@gma\u0130l.example", "anna@gmаil.example"]:
        assert canonical_email(look_alike) != real, look_alike


@pytest.mark.parametrize(
    "typed",
    [
        "ann\u0131@gmail.example",  # dotless ı: taken for "anni" by case-insensitive matching
        "\u0130nga@gmail.example",  # dotted capital İ
        "\u0430nna@gmail.example",  # Cyrillic а
        "åsa@example.se",  # an accented letter: not deliverable through the portal's mail
    ],
)
def test_a_local_part_that_is_not_ascii_is_refused_with_a_clear_message(typed):
    with pytest.raises(ValidationError) as refused:
        canonical_email(typed)
    with translation.override("en"):
        assert refused.value.messages == [
            "The part before the @ may only contain the letters a–z without accents, digits "
            "and signs such as . - _ +. Check the address."
        ]
    with translation.override("sv"):
        assert refused.value.messages[0].startswith("Delen före @ får bara innehålla")


@pytest.mark.parametrize(
    "typed, message",
    [
        ("anna@exa_mple.se", "The part after the @ is not a valid domain name. Check the address."),
        ("anna@[192.0.2.1]", "The part after the @ is not a valid domain name. Check the address."),
        ("anna@", "Enter a valid email address."),
        ("not an address", "Enter a valid email address."),
        ("anna@example", "Enter a valid email address."),
        (f"{'a' * 64}@{'b' * 60}.{'c' * 60}.{'d' * 60}.{'ö' * 40}.se", "too long"),
    ],
)
def test_other_bad_addresses_are_refused(typed, message):
    with pytest.raises(ValidationError) as refused:
        canonical_email(typed)
    with translation.override("en"):
        assert message in refused.value.messages[0]


def test_the_rate_limit_counts_every_spelling_of_an_address_as_one():
    keys = {
        rate_limit_key(typed)
        for typed in [
            "anna@example.se",
            "ANNA@EXAMPLE.SE",
            "ａｎｎａ@example.se",
            " anna@Example.se",
        ]
    }
    assert keys == {"anna@example.se"}
    assert rate_limit_key("anna@gma\u0131l.example") != rate_limit_key("anna@gmail.example")


def test_user_names_fold_only_ascii_letters():
    assert canonical_username(" Anna.Ek ") == "anna.ek"
    assert canonical_username("\u212aalle") == "kalle"  # NFKC: the Kelvin sign is a K
    assert canonical_username("ann\u0131") != canonical_username("anni")
    assert canonical_username("\u0130nga") != canonical_username("inga")


def log_in(username):
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": "correct horse"})
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_accounts_keep_canonical_forms_and_log_in_by_them(fast_password_hashing):
    user = User.objects.create_user(
        username="Anna.Ek", email="Anna.Ek@BÜCHER.example", password="correct horse"
    )
    user.refresh_from_db()
    assert (user.username, user.email) == ("anna.ek", "anna.ek@xn--bcher-kva.example")
    assert log_in("ANNA.EK") == str(user.pk)
    assert log_in("ann\u0430.ek") is None  # a Cyrillic а

    other = UserFactory(username="Kalle")
    assert User.objects.get(pk=other.pk).username == "kalle"


@pytest.mark.django_db
def test_password_link_goes_only_to_the_address_as_written(mailoutbox, fast_password_hashing):
    anni = UserFactory(username="anni", email="anni@gmail.example")
    client = Client()
    client.cookies["django_language"] = "en"
    for typed in ["ann\u0131@gmail.example", "anni@gma\u0131l.example"]:
        client.post("/accounts/password_reset/", {"email": typed})
    assert mailoutbox == []
    client.post("/accounts/password_reset/", {"email": "ANNI@GMAIL.example"})
    assert [message.to for message in mailoutbox] == [[anni.email]]
