"""Card readers: the ``CardChannel``/``CardReader`` interface and its PC/SC backend."""
