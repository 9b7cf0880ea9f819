"""Pure rules of the public report page: code hashing and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridcare.cards import rules

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_it_binds_a_code_to_its_phone_grid_and_row():
    stored = rules.code_hash(code="123456", phone="+8613812345678", grid_id=1, nonce="7")
    assert rules.code_matches(stored, code="123456", phone="+8613812345678", grid_id=1, nonce="7")
    assert not rules.code_matches(stored, code="123457", phone="+8613812345678", grid_id=1, nonce="7")
    assert not rules.code_matches(stored, code="123456", phone="+8613900001111", grid_id=1, nonce="7")
    assert not rules.code_matches(stored, code="123456", phone="+8613812345678", grid_id=2, nonce="7")
    assert "123456" not in stored


def test_it_limits_code_requests_per_phone_and_per_address():
    assert rules.code_request_refusal(by_phone=2, by_client=9) is None
    assert rules.code_request_refusal(by_phone=3, by_client=0).startswith("phone:")
    assert "address" in rules.code_request_refusal(by_phone=0, by_client=10)


def test_it_refuses_spent_expired_and_missing_codes():
    fresh = rules.CodeState(NOW + timedelta(minutes=10), 0, False)
    assert rules.code_refusal(fresh, NOW) is None
    assert rules.code_refusal(None, NOW)[0] == 422
    assert rules.code_refusal(rules.CodeState(NOW, 0, False), NOW)[0] == 422
    assert rules.code_refusal(rules.CodeState(NOW + timedelta(minutes=5), 5, False), NOW)[0] == 429
    assert rules.code_refusal(rules.CodeState(NOW + timedelta(minutes=5), 0, True), NOW)[0] == 422
