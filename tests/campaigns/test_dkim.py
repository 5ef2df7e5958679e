"""With a DKIM key configured, sequence emails arrive signed, and the signature verifies."""

from __future__ import annotations

import base64

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from campaigns.enrollments import enroll


def test_sequence_emails_are_dkim_signed_and_verify(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport, engine_settings, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "dkim.pem").write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    settings = engine_settings.with_(dkim_key_file=str(tmp_path / "dkim.pem"), dkim_selector="s1", dkim_domain="nurture.test")

    sequence = make_sequence({"steps": [{"id": "a", "type": "email", "subject": "Signed", "html": "<p>Hi</p>"}]})
    enroll(session, sequence, make_lead("signed@example.com"), now=clock(), by="test")
    session.commit()
    tick(smtp_transport, settings)

    (received,) = smtp_sink.received
    raw = received.message.as_bytes()
    assert b"DKIM-Signature:" in raw and b"d=nurture.test" in raw
    dns = {b"s1._domainkey.nurture.test.": record}
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: dns.get(name if name.endswith(b".") else name + b"."))
    tampered = raw.replace(b"Subject: Signed", b"Subject: Changed")
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: dns.get(name if name.endswith(b".") else name + b"."))
