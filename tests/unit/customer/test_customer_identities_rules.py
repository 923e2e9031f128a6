"""Identity normalization: every spelling of one identity has one stored form and one key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni_customer.domain import identities
from omni_customer.domain.identities import Identity
from omni_customer.domain.identities import IdentityKind as Kind
from omni_customer.domain.profiles import Profile
from omni_kit.errors import AlreadyExists, InvalidArgument


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (Kind.EMAIL, " Anna@Example.COM ", "anna@example.com"),
        (Kind.PHONE, "0151 23456789", "+4915123456789"),
        (Kind.PHONE, "+49 (151) 234-56789", "+4915123456789"),
        (Kind.PHONE, "0049 151 23456789", "+4915123456789"),
        (Kind.PHONE, "+1 212 555 0100", "+12125550100"),
        (Kind.WHATSAPP, "0151 23456789", "+4915123456789"),
        (Kind.INSTAGRAM, "@Anna.Style", "anna.style"),
        (Kind.VIBER, "@AbC", "AbC"),
        (Kind.LOYALTY_CARD, "ab-12 34", "AB1234"),
    ],
)
def test_each_spelling_has_one_stored_form(kind, value, expected):
    assert identities.normalize_identity(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value", "partner", "field"),
    [
        (Kind.EMAIL, "anna@", "", "identity.value"),
        (Kind.EMAIL, "   ", "", "identity.value"),
        (Kind.PHONE, "12", "", "identity.value"),
        (Kind.PHONE, "call me", "", "identity.value"),
        (Kind.TELEGRAM, "two words", "", "identity.value"),
        (Kind.MARKETPLACE_BUYER, "B-1", " ", "identity.partner_id"),
        (Kind.LOYALTY_CARD, "x", "", "identity.value"),
        (None, "x", "", "identity.kind"),
    ],
)
def test_invalid_identities_name_the_field(kind, value, partner, field):
    with pytest.raises(InvalidArgument) as refused:
        identities.normalize_identity(kind, value, partner)
    assert refused.value.field == field


def test_marketplace_buyers_are_unique_per_partner():
    a = identities.identity_key(Kind.MARKETPLACE_BUYER, "B-1", "ptn_a")
    b = identities.identity_key(Kind.MARKETPLACE_BUYER, "B-1", "ptn_b")
    assert a != b


def test_a_taken_identity_is_refused_naming_its_owner():
    identity = Identity(Kind.EMAIL, "anna@example.com")
    with pytest.raises(AlreadyExists) as refused:
        identities.refuse_taken(identity, "cus_owner")
    assert refused.value.metadata["owner_profile_id"] == "cus_owner"
    assert refused.value.reason == "IDENTITY_TAKEN"
    assert refused.value.metadata["kind"] == "IDENTITY_KIND_EMAIL"
    assert refused.value.metadata["identity"] == "IDENTITY_KIND_EMAIL:anna@example.com"


@settings(max_examples=60, deadline=None)
@given(
    local=st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True),
    domain=st.sampled_from(["example.com", "mail.example.org"]),
    upper=st.booleans(),
    pad=st.sampled_from(["", " ", "\t"]),
)
def test_email_normalization_is_stable(local, domain, upper, pad):
    raw = f"{pad}{local}@{domain}{pad}"
    raw = raw.upper() if upper else raw
    once = identities.normalize_identity(Kind.EMAIL, raw)
    assert once == f"{local}@{domain}"
    assert identities.normalize_identity(Kind.EMAIL, once) == once


@settings(max_examples=60, deadline=None)
@given(number=st.integers(min_value=10_000_000, max_value=99_999_999))
def test_local_and_international_phone_spellings_agree(number):
    local = f"0151 {number}"
    international = f"+49 151 {number}"
    assert identities.normalize_identity(Kind.PHONE, local) == identities.normalize_identity(
        Kind.PHONE, international
    )


def test_a_proven_identity_is_marked_verified_once():
    email = Identity(Kind.EMAIL, "vera@example.com")
    profile = Profile(id="cus_1", identities=[email])
    key = identities.key_of(email)
    assert identities.mark_verified(profile, key) is True
    assert profile.identities[0].verified
    assert identities.mark_verified(profile, key) is False  # nothing left to change
    assert identities.mark_verified(profile, "email:someone@else.example") is False
