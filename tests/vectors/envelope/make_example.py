#!/usr/bin/env python3
"""Independent implementation of the docs/PROTOCOL.md worked example
(sections 3-4), used once to produce tests/vectors/envelope/ and the hex in
PROTOCOL.md. Needs python3-cryptography and the stock `age` command.
Usage: make_example.py [--payload-only-check]; writes into its directory.
It re-uses example.age when present (age encryption is randomized)."""
import base64, hashlib, os, struct, subprocess, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
def bech32_polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk
def bech32(hrp, data):
    acc, bits, out = 0, 0, []
    for b in data:
        acc = (acc << 8) | b; bits += 8
        while bits >= 5:
            bits -= 5; out.append((acc >> bits) & 31)
    if bits: out.append((acc << (5 - bits)) & 31)
    hv = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = bech32_polymod(hv + out + [0] * 6) ^ 1
    out += [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in out)

def x25519_pub(sk):
    return X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes(*RAW)

# Fixed keys.
NGO_SEED = bytes(range(0x40, 0x60))
AUTH_SK = bytes(range(0x60, 0x80))
REPLY_SK = bytes(range(0x80, 0xa0))
ngo = Ed25519PrivateKey.from_private_bytes(NGO_SEED)
ngo_pk = ngo.public_key().public_bytes(*RAW)
keyid = hashlib.sha256(b"example-ngo\n\x01" + ngo_pk).digest()[:4]
ngo_vkey = "example-ngo+" + keyid.hex() + "+" + base64.b64encode(b"\x01" + ngo_pk).decode()
auth_identity = bech32("age-secret-key-", AUTH_SK).upper()
auth_recipient = bech32("age", x25519_pub(AUTH_SK))
reply_recipient = bech32("age", x25519_pub(REPLY_SK))

# Alert record.
def u16(b): return struct.pack(">H", len(b)) + b
category = "bribery".encode()
place = "Rabat-Salé-Kénitra / Rabat".encode()
message = "A clerk asked for 500 MAD to stamp a building permit.\n".encode()
att_name, att_type, att_data = b"receipt.txt", b"text/plain", b"Receipt no. 42\n"
content = (b"AMANAREC\x01" + u16(ngo_vkey.encode()) + u16(reply_recipient.encode())
           + u16(category) + u16(place) + struct.pack(">I", len(message)) + message
           + struct.pack(">H", 1) + u16(att_name) + u16(att_type)
           + struct.pack(">Q", len(att_data)) + att_data)
def pad_len(n):
    if n <= 16384: return 16384
    mask = (1 << (n.bit_length() - 4)) - 1
    return (n + mask) & ~mask
record = content + bytes(pad_len(len(content)) - len(content))

def write(name, data, mode="wb"):
    with open(os.path.join(HERE, name), mode) as f: f.write(data)

write("example.identity", "# Amana worked example: PUBLIC TEST KEY, never use it.\n"
      "# public key: " + auth_recipient + "\n" + auth_identity + "\n", "w")
write("example.record", record)
age_path = os.path.join(HERE, "example.age")
if not os.path.exists(age_path):
    subprocess.run(["age", "-r", auth_recipient, "-o", age_path,
                    os.path.join(HERE, "example.record")], check=True)
payload = open(age_path, "rb").read()
# the stock age must open it with our identity
out = subprocess.run(["age", "-d", "-i", os.path.join(HERE, "example.identity"), age_path],
                     check=True, capture_output=True).stdout
assert out == record

# Envelope.
created, ref = 1767225600, 0
header = (b"AMANAENV" + bytes([1, 1]) + ngo_pk + struct.pack(">QQQ", created, ref, len(payload)))
payload_hash = hashlib.sha256(payload).digest()
signed = b"amana/envelope/v1\n" + header + payload_hash
sig = ngo.sign(signed)
envelope = header + payload + sig
write("example.envelope", envelope)

def hexlines(b, w=32):
    h = b.hex()
    return "\n".join(h[i:i + 2 * w] for i in range(0, len(h), 2 * w))
print("ngo_pk", ngo_pk.hex())
print("ngo_vkey", ngo_vkey)
print("auth_identity", auth_identity)
print("auth_recipient", auth_recipient)
print("reply_recipient", reply_recipient)
print("content_len", len(content), "padded", len(record))
print("content:\n" + hexlines(content))
print("record_sha256", hashlib.sha256(record).hexdigest())
print("payload_len", len(payload), "payload_sha256", payload_hash.hex())
print("header:\n" + hexlines(header))
print("signed:\n" + hexlines(signed))
print("sig:\n" + hexlines(sig))
print("envelope_len", len(envelope), "envelope_sha256", hashlib.sha256(envelope).hexdigest())
