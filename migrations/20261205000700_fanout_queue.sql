-- An incident event queues one narrow row per recipient, in the event's
-- transaction, and dispatchers turn those rows into messages in batches.
--
-- A message row is wide and sits in five indexes, so writing 100,000 of
-- them took about 0.8 s on the 2-core development machine; a recipient row
-- here is two numbers under one key and takes a third of that. The event
-- commits with every recipient fixed, and the messages follow in batches
-- of a few thousand while the first ones are already being sent.

-- What every message of an event says, and whom the event is for.
CREATE TABLE fanout_events (
    update_id BIGINT PRIMARY KEY REFERENCES incident_updates ON DELETE CASCADE,
    incident_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    segments INT NOT NULL CHECK (segments >= 1),
    service_ids BIGINT[] NOT NULL,
    critical BOOLEAN NOT NULL,
    resolves BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX fanout_events_incident_id ON fanout_events (incident_id);

-- The recipients of an event that have no message yet. The key is the
-- rule of one message per subscriber per event; it leads with the event,
-- so one event's rows are written at the end of the index. There is no
-- foreign key, because its check per row would cost what the narrow row
-- saves.
CREATE TABLE fanout_recipients (
    update_id BIGINT NOT NULL,
    subscriber_id BIGINT NOT NULL,
    PRIMARY KEY (update_id, subscriber_id)
);
