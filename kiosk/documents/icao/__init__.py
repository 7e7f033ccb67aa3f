"""ICAO Doc 9303 eMRTD cryptography: BAC, secure messaging and passive authentication.

Both sides of each protocol live here: the reader's (inspection system, "IFD") side that the kiosk runs, and
the card's ("IC") side that the simulator's virtual eMRTD runs, so that the two are tested against each other
and against the worked examples of ICAO 9303 Part 11.

- :mod:`.cipher`: two-key 3DES in CBC mode and the retail MAC (ISO/IEC 9797-1 MAC algorithm 3, padding 2).
- :mod:`.bac`: Basic Access Control (Part 11 sections 4.3 and 9.7): key derivation and mutual authentication.
- :mod:`.secure_messaging`: protected APDUs after BAC (Part 11 section 9.8).
- :mod:`.lds_security_object`: the ASN.1 of the LDS Security Object (Part 10 section 4.6.2).
- :mod:`.passive_auth`: checking EF.SOD, the data-group hashes and the document signer (Part 11 section 5.1).
- :mod:`.errors`: the typed errors of all of the above.
"""
