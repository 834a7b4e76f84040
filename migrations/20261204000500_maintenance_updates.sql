-- Rescheduled and canceled maintenance get their own texts.
--
-- A window's `revision` counts the edits that changed what subscribers were
-- told. Each edit may text the same subscriber again (an "updated" notice,
-- or a fresh announcement in place of one withdrawn before it was sent), so
-- the rule of one message per subscriber, window and event holds per
-- revision.
ALTER TABLE maintenances ADD COLUMN revision INT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN maintenance_revision INT NOT NULL DEFAULT 0;

DROP INDEX messages_subscriber_maintenance_event;
CREATE UNIQUE INDEX messages_subscriber_maintenance_event
    ON messages (subscriber_id, maintenance_id, maintenance_event, maintenance_revision)
    WHERE maintenance_id IS NOT NULL;

ALTER TABLE messages DROP CONSTRAINT messages_maintenance_event_check;
ALTER TABLE messages ADD CONSTRAINT messages_maintenance_event_check
    CHECK (maintenance_event IN ('scheduled', 'updated', 'started', 'canceled'));
