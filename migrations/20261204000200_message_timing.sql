-- Message timing: typographic replacement, combining rapid updates, hold
-- windows and quiet hours.

ALTER TABLE settings
    -- Replace curly quotes, dashes and ellipses with GSM-7 characters before
    -- sending, so one typographic character does not force UCS-2.
    ADD COLUMN replace_typographic BOOLEAN NOT NULL DEFAULT TRUE,
    -- Seconds a follow-up update of a non-critical incident waits, so that
    -- a burst of updates goes out as one message. 0 turns holding off.
    ADD COLUMN hold_seconds INT NOT NULL DEFAULT 60
        CHECK (hold_seconds BETWEEN 0 AND 3600),
    -- Quiet hours in each subscriber's local time; both NULL means off.
    -- A window whose start is after its end crosses midnight.
    ADD COLUMN quiet_hours_start TIME,
    ADD COLUMN quiet_hours_end TIME,
    ADD CONSTRAINT settings_quiet_hours_check CHECK (
        (quiet_hours_start IS NULL AND quiet_hours_end IS NULL)
        OR (quiet_hours_start IS NOT NULL AND quiet_hours_end IS NOT NULL
            AND quiet_hours_start <> quiet_hours_end)
    );

-- An IANA time zone name, such as America/New_York, for quiet hours and
-- maintenance times.
ALTER TABLE subscribers ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
-- The time zone a sign-up sent or was guessed, applied once it is confirmed.
ALTER TABLE verification_codes ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- `held`: a message waiting for its hold window or quiet hours to end.
-- `next_attempt_at` is when it becomes due, as for a retry.
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN (
    'held', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'canceled'
));

DROP INDEX messages_due;
CREATE INDEX messages_due ON messages (next_attempt_at)
    WHERE status IN ('queued', 'held') AND channel IS NULL;

-- At most one unsent notification per subscriber per incident: a newer
-- update cancels the unsent one and takes its place.
CREATE UNIQUE INDEX messages_pending_per_incident ON messages (subscriber_id, incident_id)
    WHERE status IN ('queued', 'held') AND channel IS NULL
      AND kind = 'notification' AND incident_id IS NOT NULL;

CREATE OR REPLACE FUNCTION message_status_rank(status TEXT) RETURNS INT
    LANGUAGE SQL IMMUTABLE AS $$
    SELECT CASE status
        WHEN 'held' THEN 0
        WHEN 'queued' THEN 0
        WHEN 'sending' THEN 1
        WHEN 'sent' THEN 2
        WHEN 'delivered' THEN 3
        WHEN 'undelivered' THEN 3
        WHEN 'failed' THEN 3
        WHEN 'canceled' THEN 3
        ELSE -1
    END
$$;

-- Scheduled maintenance windows. Subscribers who want maintenance news are
-- told when one is announced, when it starts, and when a window they were
-- told about is canceled.
CREATE TABLE maintenances (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'in_progress', 'completed', 'canceled')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX maintenances_open ON maintenances (starts_at)
    WHERE status IN ('scheduled', 'in_progress');

CREATE TABLE maintenance_services (
    maintenance_id BIGINT NOT NULL REFERENCES maintenances ON DELETE CASCADE,
    service_id BIGINT NOT NULL REFERENCES services ON DELETE CASCADE,
    PRIMARY KEY (maintenance_id, service_id)
);

ALTER TABLE messages
    ADD COLUMN maintenance_id BIGINT REFERENCES maintenances ON DELETE SET NULL,
    ADD COLUMN maintenance_event TEXT
        CHECK (maintenance_event IN ('scheduled', 'started', 'canceled'));
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN (
    'verification', 'confirmation', 'help', 'notification', 'maintenance'
));
-- One message per subscriber per maintenance event, so a repeated start
-- check sends nothing twice.
CREATE UNIQUE INDEX messages_subscriber_maintenance_event
    ON messages (subscriber_id, maintenance_id, maintenance_event)
    WHERE maintenance_id IS NOT NULL;
