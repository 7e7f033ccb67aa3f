"""An independent, minimal RFC 9421 request signer written from the RFC text, not from our library.

It builds the signature base of RFC 9421 section 2.5 by hand (component lines, then ``@signature-params``),
the Content-Digest of RFC 9530 section 2, and the ``ecdsa-p256-sha256`` signature of section 3.3.4
(r || s, base64 in a Byte Sequence). Used to show the service accepts what any conforming signer sends.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def content_digest(body: bytes) -> str:
    """RFC 9530: ``sha-256=:<base64>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def signature_params(components: Sequence[str], *, created: int, keyid: str, nonce: str, tag: str) -> str:
    """The serialized inner list with parameters (RFC 9421 section 2.3)."""
    listed = " ".join(f'"{name}"' for name in components)
    return f'({listed});created={created};keyid="{keyid}";nonce="{nonce}";alg="ecdsa-p256-sha256";tag="{tag}"'


def signature_base(values: dict[str, str], params: str) -> bytes:
    """Component lines in order, then the ``@signature-params`` line, joined by LF (no trailing LF)."""
    lines = [f'"{name}": {value}' for name, value in values.items()]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode("ascii")


def sign(private_key: ec.EllipticCurvePrivateKey, base: bytes) -> str:
    """ECDSA P-256 over SHA-256, r || s, base64 (RFC 9421 section 3.3.4)."""
    r, s = decode_dss_signature(private_key.sign(base, ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


def signed_headers(
    private_key: ec.EllipticCurvePrivateKey,
    *,
    method: str,
    target_uri: str,
    body: bytes,
    keyid: str,
    created: int,
    nonce: str,
    tag: str,
    label: str = "kiosk",
    content_type: str = "application/json",
) -> dict[str, str]:
    """The headers that sign a request covering @method, @target-uri, content-digest and content-type."""
    digest = content_digest(body)
    values = {"@method": method, "@target-uri": target_uri, "content-digest": digest, "content-type": content_type}
    params = signature_params(list(values), created=created, keyid=keyid, nonce=nonce, tag=tag)
    return {
        "Content-Type": content_type,
        "Content-Digest": digest,
        "Signature-Input": f"{label}={params}",
        "Signature": f"{label}=:{sign(private_key, signature_base(values, params))}:",
    }
