-- Kodo's schema: the status page (services, incidents), SMS subscribers with
-- their consent log, the outgoing message queue and admin access.

-- One row of page-wide settings. Twilio credentials are NULL until an admin
-- saves them; while they are NULL, messages go to the development outbox.
CREATE TABLE settings (
    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    page_name TEXT NOT NULL DEFAULT 'Kodo Status',
    sms_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    twilio_account_sid TEXT,
    twilio_auth_token TEXT,
    twilio_from TEXT,
    consent_text TEXT NOT NULL DEFAULT
        'I agree to receive status text messages at this number. Message and data rates may apply. Reply STOP to unsubscribe, HELP for help.',
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO settings DEFAULT VALUES;

-- Admin-edited message templates; a kind without a row uses its default.
CREATE TABLE templates (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE admins (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- API tokens are stored as SHA-256 hashes; the token itself is shown once.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ
);

CREATE TABLE services (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
    status TEXT NOT NULL
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at TIMESTAMPTZ
);

CREATE TABLE incident_services (
    incident_id BIGINT NOT NULL REFERENCES incidents ON DELETE CASCADE,
    service_id BIGINT NOT NULL REFERENCES services ON DELETE CASCADE,
    PRIMARY KEY (incident_id, service_id)
);
CREATE INDEX incident_services_service_id ON incident_services (service_id);

-- Every change to an incident is an event: its opening, each update and
-- its resolution. Notifications are enqueued per event.
CREATE TABLE incident_updates (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'resolved')),
    status TEXT NOT NULL
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    message TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX incident_updates_incident_id ON incident_updates (incident_id);

-- One subscriber per phone number (E.164). Preferences are columns so that
-- fan-out can match subscribers in one INSERT ... SELECT.
CREATE TABLE subscribers (
    id BIGSERIAL PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'active', 'unsubscribed', 'undeliverable')),
    scope TEXT NOT NULL DEFAULT 'all' CHECK (scope IN ('all', 'services')),
    service_ids BIGINT[] NOT NULL DEFAULT '{}',
    critical_only BOOLEAN NOT NULL DEFAULT FALSE,
    resolutions BOOLEAN NOT NULL DEFAULT TRUE,
    maintenance BOOLEAN NOT NULL DEFAULT FALSE,
    -- Set once the number has been proven (code confirmed) or an admin
    -- added it; START only re-activates numbers that have this.
    confirmed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX subscribers_active ON subscribers (id) WHERE status = 'active';

-- The pending verification code of a subscriber, as a keyed hash.
CREATE TABLE verification_codes (
    subscriber_id BIGINT PRIMARY KEY REFERENCES subscribers ON DELETE CASCADE,
    -- The random id a sign-up is confirmed under, so answers reveal neither
    -- the subscriber's id nor whether the number was already known.
    signup_id TEXT NOT NULL UNIQUE,
    code_hash BYTEA NOT NULL,
    -- The preferences and consent text the code confirms.
    preferences JSONB NOT NULL,
    consent_text TEXT NOT NULL,
    -- How the sign-up arrived: 'web' or 'api', with the client's address.
    method TEXT NOT NULL CHECK (method IN ('web', 'api')),
    client_ip TEXT,
    user_agent TEXT,
    attempts INT NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Consent evidence: every opt-in and opt-out, append-only. There is no
-- foreign key, so the records outlive a removed subscriber.
CREATE TABLE consent_events (
    id BIGSERIAL PRIMARY KEY,
    subscriber_id BIGINT,
    phone TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('opt_in', 'opt_out')),
    method TEXT NOT NULL
        CHECK (method IN ('web', 'admin', 'api', 'sms_keyword', 'carrier')),
    consent_text TEXT,
    client_ip TEXT,
    user_agent TEXT,
    actor TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX consent_events_subscriber_id ON consent_events (subscriber_id);

CREATE FUNCTION consent_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consent_events_append_only
    BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();

-- Outgoing messages: the dispatch queue and the message log in one table.
-- `status` uses Twilio's words, plus `canceled` for a message that was
-- withdrawn before it was sent.
CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    subscriber_id BIGINT REFERENCES subscribers ON DELETE SET NULL,
    to_phone TEXT NOT NULL,
    kind TEXT NOT NULL
        CHECK (kind IN ('verification', 'confirmation', 'help', 'notification')),
    incident_id BIGINT REFERENCES incidents ON DELETE SET NULL,
    update_id BIGINT REFERENCES incident_updates ON DELETE SET NULL,
    body TEXT NOT NULL,
    -- 'twilio' or 'outbox', decided when the message is sent.
    channel TEXT,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN (
        'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'canceled'
    )),
    twilio_sid TEXT UNIQUE,
    error_code INT,
    error_message TEXT,
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Never more than one message per subscriber per incident event.
CREATE UNIQUE INDEX messages_subscriber_update ON messages (subscriber_id, update_id)
    WHERE update_id IS NOT NULL;
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued' AND channel IS NULL;
CREATE INDEX messages_to_phone ON messages (to_phone);
CREATE INDEX messages_incident_id ON messages (incident_id);

-- Inbound SMS seen from Twilio, so a repeated webhook delivery is handled once.
CREATE TABLE inbound_messages (
    id BIGSERIAL PRIMARY KEY,
    message_sid TEXT NOT NULL UNIQUE,
    from_phone TEXT NOT NULL,
    body TEXT NOT NULL,
    action TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Orders message statuses so that a late or repeated status callback never
-- moves a message backwards: queued, sending, sent, then a final status.
CREATE FUNCTION message_status_rank(status TEXT) RETURNS INT
    LANGUAGE SQL IMMUTABLE AS $$
    SELECT CASE status
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
