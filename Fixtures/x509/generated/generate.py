#!/usr/bin/env python3
"""Generates x509-extra-cases.json: chains for what the shared vectors do not cover
(RSA-PSS, sha512WithRSA, ECDSA with SHA-512, SHA-1, EKU/keyUsage variants, excluded and
IP name constraints, RSA keys above 4096 bits). `expected` is decided by pyca/cryptography's
own verifier (the same oracle as x509-chain-cases.json). Keys are throw-away and not kept.

Run: python3 generate.py > x509-extra-cases.json   (pyca/cryptography 48.0.0)
"""
import datetime, ipaddress, json, sys
import cryptography
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
from cryptography.x509.verification import PolicyBuilder, Store, DNSName, IPAddress

T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
NOW = datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.timezone.utc)
ANY_EKU = x509.ObjectIdentifier("2.5.29.37.0")

def key(kind):
    if kind == "p256": return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384": return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))

def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

def sign(builder, issuer_key, how):
    if how == "sha256": return builder.sign(issuer_key, hashes.SHA256())
    if how == "sha384": return builder.sign(issuer_key, hashes.SHA384())
    if how == "sha512": return builder.sign(issuer_key, hashes.SHA512())
    if how == "sha1": return builder.sign(issuer_key, hashes.SHA1())
    if how.startswith("pss"):  # pss-sha256-32
        _, h, salt = how.split("-")
        hh = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[h]
        return builder.sign(issuer_key, hh, rsa_padding=padding.PSS(mgf=padding.MGF1(hh), salt_length=int(salt)))
    raise ValueError(how)

def ca(subject, issuer, pub, signer, how, nc=None, eku=None, pathlen=None):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer)).public_key(pub)
         .serial_number(x509.random_serial_number()).not_valid_before(T0).not_valid_after(T0 + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=True, path_length=pathlen), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                        encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))
    if subject != issuer:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
    if nc: b = b.add_extension(nc, critical=True)
    if eku: b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return sign(b, signer, how)

def leaf(issuer, pub, signer, how, sans, eku=(ExtendedKeyUsageOID.SERVER_AUTH,), ku=None):
    b = (x509.CertificateBuilder().subject_name(name("server")).issuer_name(name(issuer)).public_key(pub)
         .serial_number(x509.random_serial_number()).not_valid_before(T0).not_valid_after(T0 + datetime.timedelta(days=365))
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.SubjectAlternativeName(sans), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False))
    if eku is not None: b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if ku is not None: b = b.add_extension(ku, critical=True)
    return sign(b, signer, how)

def ku(**bits):
    base = dict(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    base.update(bits)
    return x509.KeyUsage(**base)

def pem(c): return c.public_bytes(serialization.Encoding.PEM).decode()

cases = []
def case(cid, description, root_kind, inter_kind, leaf_kind, inter_sig, leaf_sig, peer_name,
         nc=None, inter_eku=None, leaf_eku=(ExtendedKeyUsageOID.SERVER_AUTH,), leaf_ku=None, sans=None, root_sig="sha256"):
    rk, ik, lk = key(root_kind), key(inter_kind), key(leaf_kind)
    root = ca("Extra Root", "Extra Root", rk.public_key(), rk, root_sig)
    inter = ca("Extra Intermediate", "Extra Root", ik.public_key(), rk, inter_sig, nc=nc, eku=inter_eku, pathlen=0)
    sans = sans or [x509.DNSName("server.example.com")]
    lf = leaf("Extra Intermediate", lk.public_key(), ik, leaf_sig, sans, eku=leaf_eku, ku=leaf_ku)
    subject = IPAddress(ipaddress.ip_address(peer_name)) if peer_name[0].isdigit() else DNSName(peer_name)
    verifier = PolicyBuilder().store(Store([root])).time(NOW).build_server_verifier(subject)
    try:
        verifier.verify(lf, [inter]); expected, err = "SUCCESS", ""
    except Exception as e:
        expected, err = "FAILURE", str(e)
    cases.append(dict(id=cid, description=description, expected_peer_name=peer_name, validation_time=NOW.isoformat(),
                      trusted_roots_pem=[pem(root)], untrusted_intermediates_pem=[pem(inter)],
                      peer_certificate_pem=pem(lf), expected=expected, pyca_error=err))

case("rsa-pss-sha256-intermediate-pss-sha384-leaf", "RSA root signs the intermediate with RSA-PSS SHA-256 (salt 32); the intermediate signs a P-256 leaf with RSA-PSS SHA-384 (salt 48)",
     "rsa2048", "rsa2048", "p256", "pss-sha256-32", "pss-sha384-48", "server.example.com")
case("rsa-pss-sha512-leaf", "leaf signed RSA-PSS SHA-512 (salt 64)", "rsa2048", "rsa2048", "p256", "sha256", "pss-sha512-64", "server.example.com")
case("rsa-pss-salt-20", "leaf signed RSA-PSS SHA-256 with a 20-byte salt (not the digest length)", "rsa2048", "rsa2048", "p256", "sha256", "pss-sha256-20", "server.example.com")
case("rsa-sha512-leaf", "leaf signed sha512WithRSAEncryption", "rsa2048", "rsa2048", "p256", "sha256", "sha512", "server.example.com")
case("ecdsa-p384-sha512-leaf", "P-384 intermediate signs the leaf with ecdsa-with-SHA512", "p384", "p384", "p256", "sha384", "sha512", "server.example.com")
case("ecdsa-p256-sha384-leaf", "P-256 intermediate signs the leaf with ecdsa-with-SHA384", "p384", "p256", "p256", "sha384", "sha384", "server.example.com")
case("leaf-any-eku-only", "leaf EKU = anyExtendedKeyUsage only", "p256", "p256", "p256", "sha256", "sha256", "server.example.com", leaf_eku=(ANY_EKU,))
case("intermediate-any-eku", "intermediate EKU = anyExtendedKeyUsage", "p256", "p256", "p256", "sha256", "sha256", "server.example.com", inter_eku=[ANY_EKU])
case("intermediate-clientauth-eku", "intermediate EKU = clientAuth only", "p256", "p256", "p256", "sha256", "sha256", "server.example.com", inter_eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
case("leaf-ku-keyencipherment-only", "RSA leaf keyUsage = keyEncipherment only", "rsa2048", "rsa2048", "rsa2048", "sha256", "sha256", "server.example.com", leaf_ku=ku(key_encipherment=True))
case("leaf-ku-digitalsignature", "leaf keyUsage = digitalSignature", "p256", "p256", "p256", "sha256", "sha256", "server.example.com", leaf_ku=ku(digital_signature=True))
case("leaf-ku-keycertsign", "leaf (cA=FALSE) keyUsage = digitalSignature, keyCertSign", "p256", "p256", "p256", "sha256", "sha256", "server.example.com", leaf_ku=ku(digital_signature=True, key_cert_sign=True))
case("nc-excluded-violation", "intermediate excludes example.com; leaf is server.example.com", "p256", "p256", "p256", "sha256", "sha256", "server.example.com",
     nc=x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.DNSName("example.com")]))
case("nc-excluded-ok", "intermediate excludes example.org; leaf is server.example.com", "p256", "p256", "p256", "sha256", "sha256", "server.example.com",
     nc=x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.DNSName("example.org")]))
case("nc-ip-permitted-ok", "intermediate permits 10.0.0.0/8; leaf IP SAN 10.1.2.3", "p256", "p256", "p256", "sha256", "sha256", "10.1.2.3",
     nc=x509.NameConstraints(permitted_subtrees=[x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))], excluded_subtrees=None),
     sans=[x509.IPAddress(ipaddress.ip_address("10.1.2.3"))])
case("nc-ip-permitted-violation", "intermediate permits 10.0.0.0/8; leaf IP SAN 192.0.2.1", "p256", "p256", "p256", "sha256", "sha256", "192.0.2.1",
     nc=x509.NameConstraints(permitted_subtrees=[x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))], excluded_subtrees=None),
     sans=[x509.IPAddress(ipaddress.ip_address("192.0.2.1"))])
case("nc-directoryname-permitted", "intermediate permits only a directoryName subtree (a form this client does not process)", "p256", "p256", "p256", "sha256", "sha256", "server.example.com",
     nc=x509.NameConstraints(permitted_subtrees=[x509.DirectoryName(name("server"))], excluded_subtrees=None))
case("rsa-8192-intermediate", "RSA-8192 intermediate (above the 4096-bit limit of this client's RSA)", "rsa2048", "rsa8192", "p256", "sha256", "sha256", "server.example.com")

json.dump(dict(_source=dict(generator=f"Fixtures/x509/generated/generate.py with pyca/cryptography {cryptography.__version__}",
                            expected_results_from="pyca/cryptography x509.verification server verifier",
                            validation_time=NOW.isoformat(), license="CC0 / public domain (generated data)"),
               cases=cases), sys.stdout, indent=1)
