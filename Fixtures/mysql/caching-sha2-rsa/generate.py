#!/usr/bin/env python3
"""Regenerates the caching_sha2_password RSA vectors (run from this directory; needs `cryptography`
and `pymysql`). Independent of the Swift code: OAEP (RFC 8017 §7.1.1, SHA-1, MGF1-SHA-1, empty
label) is written out here with hashlib and a FIXED seed so the ciphertext is reproducible, then
cross-checked twice: the private key decrypts it with `cryptography`, and the plaintext equals what
PyMySQL's own `_auth.sha2_rsa_encrypt` encrypts (decrypted again with the private key)."""
import hashlib

import pymysql._auth as pa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

NONCE = bytes(range(0x21, 0x35))          # the Swift tests' testNonce
PASSWORD = b"s3cr3t"
SEED = bytes(range(0xA0, 0xB4))           # 20-byte OAEP seed the Swift test injects


def mgf1(seed: bytes, length: int) -> bytes:
    out, counter = b"", 0
    while len(out) < length:
        out += hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def oaep_encrypt(n: int, e: int, message: bytes, seed: bytes) -> bytes:
    k = (n.bit_length() + 7) // 8
    lhash = hashlib.sha1(b"").digest()
    db = lhash + b"\0" * (k - len(message) - 2 * 20 - 2) + b"\1" + message
    masked_db = bytes(a ^ b for a, b in zip(db, mgf1(seed, k - 21)))
    masked_seed = bytes(a ^ b for a, b in zip(seed, mgf1(masked_db, 20)))
    em = b"\0" + masked_seed + masked_db
    return pow(int.from_bytes(em, "big"), e, n).to_bytes(k, "big")


key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pub = key.public_key()
plain = bytes(b ^ NONCE[i % len(NONCE)] for i, b in enumerate(PASSWORD + b"\0"))
nums = pub.public_numbers()
cipher = oaep_encrypt(nums.n, nums.e, plain, SEED)
oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
assert key.decrypt(cipher, oaep) == plain
spki = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
pkcs1 = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
assert key.decrypt(pa.sha2_rsa_encrypt(PASSWORD, NONCE, spki), oaep) == plain

open("public-spki.pem", "wb").write(spki)
open("public-pkcs1.pem", "wb").write(pkcs1)
with open("vector.txt", "w") as f:
    f.write(f"password {PASSWORD.decode()}\nnonce {NONCE.hex()}\nseed {SEED.hex()}\nciphertext {cipher.hex()}\n")
print("ok")
