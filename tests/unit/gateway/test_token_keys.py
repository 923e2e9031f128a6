"""Access tokens name their key (`kid`); the previous key stays accepted during a rotation."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from omni_gateway.security.principals import Kind, Principal
from omni_gateway.security.tokens import TokenError, TokenSigner, key_id

OLD = "old-signing-key-" + "o" * 32
NEW = "new-signing-key-" + "n" * 32
TTL = timedelta(minutes=15)
ANNA = Principal(Kind.CUSTOMER, "cus_anna")


def test_tokens_carry_a_kid_derived_from_the_key_that_reveals_nothing_of_it():
    token = TokenSigner(OLD, TTL).issue(ANNA)
    header = jwt.get_unverified_header(token)
    assert header["kid"] == key_id(OLD) != key_id(NEW)
    assert len(header["kid"]) == 16
    assert OLD not in token and header["kid"] not in OLD


def test_a_token_signed_with_the_previous_key_is_accepted_after_rotation():
    before = TokenSigner(OLD, TTL).issue(ANNA)
    rotated = TokenSigner(NEW, TTL, previous=OLD)
    assert rotated.verify(before, "omni-api").id == "cus_anna"
    after = rotated.issue(ANNA)
    assert jwt.get_unverified_header(after)["kid"] == key_id(NEW)  # signs with the current key
    assert rotated.verify(after, "omni-api").id == "cus_anna"
    # Once the previous key is dropped, its tokens are refused.
    with pytest.raises(TokenError, match="unknown key"):
        TokenSigner(NEW, TTL).verify(before, "omni-api")


def test_an_unknown_kid_is_refused_even_with_a_valid_signature():
    signer = TokenSigner(NEW, TTL, previous=OLD)
    now = int(time.time())
    claims = {"iss": "omni-gateway", "aud": "omni-api", "sub": "cus_anna", "kind": "customer"}
    claims |= {"iat": now, "exp": now + 600}
    for kid in ("somebody-elses", ""):
        token = jwt.encode(claims, NEW, algorithm="HS256", headers={"kid": kid})
        with pytest.raises(TokenError):
            signer.verify(token, "omni-api")
    # A token naming the previous key but signed with another is refused by its signature.
    forged = jwt.encode(claims, NEW, algorithm="HS256", headers={"kid": key_id(OLD)})
    with pytest.raises(TokenError, match="invalid"):
        signer.verify(forged, "omni-api")


def test_a_token_from_before_kids_is_checked_against_the_current_key_only():
    now = int(time.time())
    claims = {"iss": "omni-gateway", "aud": "omni-api", "sub": "cus_anna", "kind": "customer"}
    claims |= {"iat": now, "exp": now + 600}
    signer = TokenSigner(NEW, TTL, previous=OLD)
    assert signer.verify(jwt.encode(claims, NEW, algorithm="HS256"), "omni-api").id == "cus_anna"
    with pytest.raises(TokenError, match="invalid"):
        signer.verify(jwt.encode(claims, OLD, algorithm="HS256"), "omni-api")
