"""New passwords that are easy to guess are refused with advice; passphrases are welcome."""

from __future__ import annotations

import pytest
from litestar.exceptions import ClientException

from omni_gateway.security.password_policy import refuse_guessable, weakness


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop12", "iloveyou1234", "123456789012", "aaaaaaaaaaaa"],
)
def test_common_and_patterned_passwords_are_refused(password):
    assert weakness(password) is not None


@pytest.mark.parametrize(
    "password", ["correct horse battery", "rita's third password", "kamil1990xx-tea-pot"]
)
def test_passphrases_and_uncommon_passwords_pass(password):
    assert weakness(password) is None


def test_fewer_than_twelve_characters_are_refused_whatever_they_are():
    assert "12 characters" in (weakness("zq8#Kv!2pX9") or "")
    assert weakness("zq8#Kv!2pX9w") is None


def test_the_accounts_own_details_count_against_it():
    assert weakness("kowalska1990x") is None
    assert weakness("kowalska1990x", "marta.kowalska@example.com", "Marta Kowalska") is not None


def test_only_the_first_72_characters_are_scored():
    assert weakness("correct horse battery " * 10 + "x" * 156) is None


async def test_a_refusal_is_a_422_naming_the_field():
    with pytest.raises(ClientException) as refused:
        await refuse_guessable("password1234", field="new_password")
    assert refused.value.status_code == 422
    assert refused.value.extra["code"] == "WEAK_PASSWORD"
    assert refused.value.extra["errors"][0]["field"] == "new_password"
    assert "common" in refused.value.extra["errors"][0]["message"]
