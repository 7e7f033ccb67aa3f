"""The SQLite schema of the journal and the outbox (one file), with triggers that refuse rewriting history.

The triggers are defence in depth, not the proof: whoever holds the file can drop them. The proof is the
hash chain, the device signatures and the signed head (``kiosk.journal.verify``).
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal(
    position INTEGER PRIMARY KEY,
    sequence INTEGER NOT NULL UNIQUE CHECK (sequence = position),
    recorded_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    key_id TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    subject TEXT,
    outcome TEXT,
    reason TEXT,
    reference TEXT,
    local_reference TEXT,
    station INTEGER,
    evidence TEXT,
    entry_hash TEXT NOT NULL UNIQUE,
    signature BLOB NOT NULL);

CREATE TRIGGER IF NOT EXISTS journal_refuses_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

CREATE TRIGGER IF NOT EXISTS journal_refuses_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

CREATE TRIGGER IF NOT EXISTS journal_appends_in_order BEFORE INSERT ON journal
WHEN NEW.position != COALESCE((SELECT MAX(position) FROM journal), 0) + 1
BEGIN SELECT RAISE(ABORT, 'journal entries are appended in sequence'); END;

CREATE TABLE IF NOT EXISTS outbox(
    local_reference TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('temporary_registration', 'list_decision')),
    subject TEXT NOT NULL,
    sealed_request BLOB,
    state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'rejected')),
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    queued_sequence INTEGER NOT NULL REFERENCES journal(sequence),
    result_sequence INTEGER REFERENCES journal(sequence),
    answer TEXT);

CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(state, created_at);

CREATE TRIGGER IF NOT EXISTS outbox_refuses_delete BEFORE DELETE ON outbox
BEGIN SELECT RAISE(ABORT, 'outbox items are never deleted'); END;

CREATE TRIGGER IF NOT EXISTS outbox_keeps_identity BEFORE UPDATE ON outbox
WHEN NEW.local_reference IS NOT OLD.local_reference OR NEW.idempotency_key IS NOT OLD.idempotency_key
  OR NEW.kind IS NOT OLD.kind OR NEW.subject IS NOT OLD.subject OR NEW.created_at IS NOT OLD.created_at
  OR NEW.queued_sequence IS NOT OLD.queued_sequence
BEGIN SELECT RAISE(ABORT, 'an outbox item keeps its identity'); END;

CREATE TRIGGER IF NOT EXISTS outbox_final_is_final BEFORE UPDATE ON outbox
WHEN OLD.state != 'pending'
BEGIN SELECT RAISE(ABORT, 'a confirmed or rejected outbox item is final'); END;

CREATE TRIGGER IF NOT EXISTS outbox_request_only_cleared BEFORE UPDATE ON outbox
WHEN NEW.sealed_request IS NOT NULL AND NEW.sealed_request IS NOT OLD.sealed_request
BEGIN SELECT RAISE(ABORT, 'a queued request is never rewritten'); END;
"""
