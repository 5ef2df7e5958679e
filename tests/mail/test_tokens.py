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


def test_the_payload_encoding_matches_itsdangerous_for_short_long_and_non_ascii_urls():
    signer = TokenSigner("a-secret")
    reference = URLSafeSerializer("a-secret", salt=Purpose.CLICK.value)
    for send_id in (1, 99, 1234567890):
        for url in ("https://e.com/", "https://example.com/a?b=c&d=\"e\"", "https://ex.com/ü/ß", "https://e.com/" + "ab" * 40,
                    "https://e.com/\\x\t\u2028/", ""):
            assert signer.click_token(send_id, url) == reference.dumps([send_id, url])


def test_short_and_large_ids_sign_as_itsdangerous_does():
    """Ids of every length (payloads too short for zlib, then long enough to try it)."""
    signer = TokenSigner("a-secret")
    for send_id in (0, 7, 123456789, 1234567890, 10**12, 10**30):
        for purpose, token in ((Purpose.OPEN, signer.open_token), (Purpose.UNSUBSCRIBE, signer.unsubscribe_token)):
            assert token(send_id) == URLSafeSerializer("a-secret", salt=purpose.value).dumps(send_id)
