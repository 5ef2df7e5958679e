"""Tracking tokens are signed once per message part in itsdangerous' format (URLSafeSerializer reads
them); a short payload is never compressed, and the compressed spelling itsdangerous itself gives such
a payload (tokens signed before) still verifies. Only those spellings verify."""

from __future__ import annotations

import zlib

from itsdangerous import URLSafeSerializer

from nurture.mail.tokens import COMPRESS_FROM, Purpose, TokenSigner

# Short, and compressible by zlib: itsdangerous signs it compressed, we do not.
REPETITIVE_URL = "https://e.com/" + "ab" * 40


def _reference(purpose: Purpose) -> URLSafeSerializer:
    return URLSafeSerializer("a-secret", salt=purpose.value)


def test_tokens_are_itsdangerous_format_and_verify_back():
    signer = TokenSigner("a-secret")
    url = "https://example.com/guide?utm=é&x=" + "y" * 300  # long enough for the compressed form
    tokens = {
        Purpose.OPEN: (signer.open_token(42), 42),
        Purpose.UNSUBSCRIBE: (signer.unsubscribe_token(7), 7),
        Purpose.CLICK: (signer.click_token(42, url), [42, url]),
    }
    for purpose, (token, payload) in tokens.items():
        assert token == _reference(purpose).dumps(payload)
    assert tokens[Purpose.CLICK][0].startswith(".")  # the zlib-compressed form was exercised
    assert signer.read_open(tokens[Purpose.OPEN][0]) == 42
    assert signer.read_unsubscribe(tokens[Purpose.UNSUBSCRIBE][0]) == 7
    assert signer.read_click(tokens[Purpose.CLICK][0]).url == url
    assert TokenSigner("another-secret").read_open(tokens[Purpose.OPEN][0]) is None


def test_a_short_payload_is_signed_uncompressed_even_where_zlib_would_save():
    signer = TokenSigner("a-secret")
    reference = _reference(Purpose.CLICK)
    payload = f'[5,"{REPETITIVE_URL}"]'.encode()
    assert len(payload) < COMPRESS_FROM and len(zlib.compress(payload)) < len(payload) - 1
    ours = signer.click_token(5, REPETITIVE_URL)
    legacy = reference.dumps([5, REPETITIVE_URL])
    assert not ours.startswith(".") and legacy.startswith(".") and ours != legacy
    assert reference.loads(ours) == [5, REPETITIVE_URL]  # itsdangerous reads it
    assert signer.read_click(ours).url == REPETITIVE_URL
    assert signer.read_click(legacy).url == REPETITIVE_URL  # a token signed before still works


def test_the_payload_encoding_matches_itsdangerous_wherever_it_does_not_compress():
    signer = TokenSigner("a-secret")
    reference = _reference(Purpose.CLICK)
    for send_id in (1, 99, 1234567890):
        for url in ("https://e.com/", "https://example.com/a?b=c&d=\"e\"", "https://ex.com/ü/ß", "https://e.com/\\x\t\u2028/", "",
                    "https://example.com/" + "/".join(f"segment{n}" for n in range(30))):
            assert signer.click_token(send_id, url) == reference.dumps([send_id, url])
            if url.startswith("https://"):
                assert signer.read_click(signer.click_token(send_id, url)).url == url


def test_ids_of_every_length_sign_in_itsdangerous_format_and_verify_in_both_spellings():
    """10**12 and 10**30 are ids itsdangerous compresses (repeated zeros); ours stay plain."""
    signer = TokenSigner("a-secret")
    readers = {Purpose.OPEN: signer.read_open, Purpose.UNSUBSCRIBE: signer.read_unsubscribe}
    for send_id in (0, 7, 123456789, 1234567890, 10**12, 10**30):
        for purpose, token in ((Purpose.OPEN, signer.open_token), (Purpose.UNSUBSCRIBE, signer.unsubscribe_token)):
            reference = _reference(purpose)
            ours, legacy = token(send_id), reference.dumps(send_id)
            assert not ours.startswith(".") and reference.loads(ours) == send_id
            assert ours == legacy or legacy.startswith(".")
            assert readers[purpose](ours) == readers[purpose](legacy) == send_id


def test_only_a_canonical_spelling_verifies():
    """Base64's spare low bits in the last character: a token edited there is refused, in either spelling."""
    signer = TokenSigner("a-secret")
    for token in (signer.click_token(5, REPETITIVE_URL), _reference(Purpose.CLICK).dumps([5, REPETITIVE_URL])):
        assert signer.read_click(token) is not None
        last = token[-1]
        edited = [token[:-1] + c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" if c != last]
        verified = [t for t in edited if signer.read_click(t) is not None]
        assert verified == []
