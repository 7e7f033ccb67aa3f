"""Everything the kiosk talks to, without hardware: virtual cards, the government services, printer, scanner."""
