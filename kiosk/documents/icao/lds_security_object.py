"""The LDS Security Object, the signed content of EF.SOD (ICAO 9303 Part 10 section 4.6.2), in asn1crypto.

    LDSSecurityObject ::= SEQUENCE {
        version                LDSSecurityObjectVersion,           -- v0(0) or v1(1)
        hashAlgorithm          DigestAlgorithmIdentifier,
        dataGroupHashValues    SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
        ldsVersionInfo         LDSVersionInfo OPTIONAL }           -- present in v1 only
    DataGroupHash ::= SEQUENCE {
        dataGroupNumber        DataGroupNumber,                    -- INTEGER 1..16
        dataGroupHashValue     OCTET STRING }
    LDSVersionInfo ::= SEQUENCE {
        ldsVersion             PrintableString,
        unicodeVersion         PrintableString }
"""

from __future__ import annotations

from asn1crypto import algos, core

# Part 10 section 4.6.2: id-icao-mrtd-security-ldsSecurityObject, the eContentType of EF.SOD.
LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"
MIN_DATA_GROUP = 1
MAX_DATA_GROUP = 16  # ub-DataGroups


class DataGroupHash(core.Sequence):
    """One data group's number and the hash of its full contents (tag and length included)."""

    _fields = [  # noqa: RUF012 (asn1crypto reads this class attribute)
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):
    """The hashes of every data group present on the chip."""

    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    """The LDS and Unicode versions (version 1 of the security object)."""

    _fields = [  # noqa: RUF012
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LdsSecurityObject(core.Sequence):
    """LDSSecurityObject: version, hash algorithm and data-group hashes."""

    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]
