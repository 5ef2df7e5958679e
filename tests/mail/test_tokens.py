"""Tracking tokens are signed once per message part; the fast path must stay itsdangerous' format."""

from __future__ import annotations

from itsdangerous import URLSafeSerializer

from nurture.mail.tokens import Purpose, TokenSigner


def test_tokens_are_exactly_what_itsdangerous_signs_and_verify_back():
    signer = TokenSigner("a-secret")
    url = "https://example.com/guide?utm=é&x=" + "y" * 300  # long enough for the compressed form
    tokens = {
        Purpose.OPEN: (signer.open_token(42), 42),
        Purpose.UNSUBSCRIBE: (signer.unsubscribe_token(7), 7),
        Purpose.CLICK: (signer.click_token(42, url), [42, url]),
    }
    for purpose, (token, payload) in tokens.items():
        assert token == URLSafeSerializer("a-secret", salt=purpose.value).dumps(payload)
    assert tokens[Purpose.CLICK][0].startswith(".")  # the zlib-compressed form was exercised
    assert signer.read_open(tokens[Purpose.OPEN][0]) == 42
    assert signer.read_unsubscribe(tokens[Purpose.UNSUBSCRIBE][0]) == 7
    assert signer.read_click(tokens[Purpose.CLICK][0]).url == url
    assert TokenSigner("another-secret").read_open(tokens[Purpose.OPEN][0]) is None
