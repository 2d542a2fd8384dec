"""Signed links: one purpose's token never reads as another's, and every bad token is typed."""

from __future__ import annotations

import pytest

from server.companies.service import CLAIM_LINK
from server.core.errors import InvalidInput, NotFound
from server.notifications.service import UNSUBSCRIBE_LINK

pytestmark = pytest.mark.unit

SECRET = "a-deployments-secret-key-0123456789abcdef"


def test_a_claim_token_is_not_an_unsubscribe_token_and_the_reverse() -> None:
    claim = CLAIM_LINK.make(SECRET, {"c": 7, "n": "nonce"})
    unsubscribe = UNSUBSCRIBE_LINK.make(SECRET, {"u": 7, "c": "email"})
    assert CLAIM_LINK.read_id(SECRET, claim, "c", max_age_days=1)[0] == 7
    assert UNSUBSCRIBE_LINK.read_id(SECRET, unsubscribe, "u", max_age_days=1)[0] == 7
    with pytest.raises(InvalidInput) as refused:
        UNSUBSCRIBE_LINK.read_id(SECRET, claim, "u", max_age_days=1)
    assert refused.value.code == "unsubscribe_link_invalid"
    with pytest.raises(NotFound) as refused_claim:
        CLAIM_LINK.read_id(SECRET, unsubscribe, "c", max_age_days=1)
    assert refused_claim.value.code == "claim_link_invalid"


@pytest.mark.parametrize("payload", [{"u": "7"}, {"u": True}, {"x": 7}, {"u": None}])
def test_a_signed_payload_without_an_integer_id_is_invalid(payload: dict) -> None:
    token = UNSUBSCRIBE_LINK.make(SECRET, payload)
    with pytest.raises(InvalidInput):
        UNSUBSCRIBE_LINK.read_id(SECRET, token, "u", max_age_days=1)


def test_a_list_payload_is_invalid_not_a_crash() -> None:
    token = UNSUBSCRIBE_LINK._serializer(SECRET).dumps([1, 2])
    with pytest.raises(InvalidInput):
        UNSUBSCRIBE_LINK.read(SECRET, token, max_age_days=1)
