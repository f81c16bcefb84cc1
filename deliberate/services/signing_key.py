"""The deployment's Ed25519 key, which signs audit bundles. Its public half is published.

The private key lives in a PEM file (SIGNING_KEY_PATH, default instance/signing_key.pem),
created on first use with owner-only permissions. Back it up: bundles signed with a lost
key can still be verified with the published public key, but no new ones can match it.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The private key at path, generated there first if the file does not exist."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    """The public key as PEM text, as published on the site and in the API."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
