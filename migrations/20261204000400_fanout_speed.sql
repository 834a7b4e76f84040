-- Make the incident fan-out cheaper per queued message.
--
-- The foreign keys from messages to incidents, incident updates and
-- maintenances cost a per-row trigger on every queued message (over a
-- second for 100,000 messages). Kodo never deletes those rows, and every
-- message gets its incident, update or maintenance id from a row written in
-- the same transaction, so the checks protect nothing. NOTE: code that ever
-- deletes an incident, update or maintenance must clear the ids in
-- `messages` itself. The foreign key to subscribers stays, because
-- subscribers are deleted.
ALTER TABLE messages
    DROP CONSTRAINT messages_incident_id_fkey,
    DROP CONSTRAINT messages_update_id_fkey,
    DROP CONSTRAINT messages_maintenance_id_fkey;

-- A message has a SID only once Twilio accepted it, so the unique index on
-- the SID skips the queued rows (unique indexes treat NULLs as distinct,
-- so the rule is the same).
ALTER TABLE messages DROP CONSTRAINT messages_twilio_sid_key;
CREATE UNIQUE INDEX messages_twilio_sid ON messages (twilio_sid) WHERE twilio_sid IS NOT NULL;

-- Claims read `messages_due_priority`; this older index on the due time
-- served no query and cost an entry per queued message.
DROP INDEX messages_due;

-- The per-incident delivery progress counts an incident's messages by
-- update and status.
DROP INDEX messages_incident_id;
CREATE INDEX messages_incident_update ON messages (incident_id, update_id, status);
