"""Speech: the ``Speaker`` interface and the espeak-ng backend (kk, ru, en)."""
