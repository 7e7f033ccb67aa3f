"""Hardware behind small interfaces: card reader, code scanner, printer, speech, key store."""
