"""Reading and verifying identity documents through the CardChannel and CodeScanner interfaces."""
