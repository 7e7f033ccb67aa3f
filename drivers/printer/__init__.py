"""Printers: the neutral ``Printout`` document, the ``ReceiptPrinter`` and ``DocumentPrinter`` interfaces, an
ESC/POS receipt backend (python-escpos) and a CUPS backend for A4/A5 PDFs (``lp``)."""
