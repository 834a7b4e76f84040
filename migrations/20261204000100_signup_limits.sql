-- Abuse limits on the public sign-up, pending sign-ups kept apart from
-- subscribers, self-service management, webhook idempotency tokens and
-- allowed countries.

-- Admin limits on the public sign-up. NULL allowed_countries accepts every
-- country; otherwise it is a list of ISO 3166-1 alpha-2 region codes.
ALTER TABLE settings
    ADD COLUMN signup_limit_per_ip INT NOT NULL DEFAULT 10 CHECK (signup_limit_per_ip > 0),
    ADD COLUMN signup_limit_per_calling_code INT NOT NULL DEFAULT 50
        CHECK (signup_limit_per_calling_code > 0),
    ADD COLUMN allowed_countries TEXT[];

-- Every verification text sent for the public sign-up or the manage flow,
-- counted by number, client address and country calling code. The counts
-- live here so that every server process shares them.
CREATE TABLE signup_attempts (
    id BIGSERIAL PRIMARY KEY,
    phone TEXT NOT NULL,
    client_ip TEXT,
    calling_code INT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('sign_up', 'manage')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX signup_attempts_phone ON signup_attempts (phone, created_at);
CREATE INDEX signup_attempts_client_ip ON signup_attempts (client_ip, created_at);
CREATE INDEX signup_attempts_calling_code ON signup_attempts (calling_code, created_at);
CREATE INDEX signup_attempts_created_at ON signup_attempts (created_at);

-- A pending sign-up belongs to a number, not to a subscriber row: the
-- subscriber is created or updated only once the code is confirmed, so a
-- sign-up writes the same rows whether or not the number is subscribed.
-- Rows from before this change keep their codes under the subscriber's
-- number.
ALTER TABLE verification_codes ADD COLUMN phone TEXT;
UPDATE verification_codes v SET phone = s.phone FROM subscribers s WHERE s.id = v.subscriber_id;
ALTER TABLE verification_codes
    DROP CONSTRAINT verification_codes_pkey,
    DROP COLUMN subscriber_id,
    ALTER COLUMN phone SET NOT NULL,
    ADD PRIMARY KEY (phone);
CREATE INDEX verification_codes_created_at ON verification_codes (created_at);

-- A request to manage a subscription: the code texted to the number. For a
-- number with no subscription nothing is texted, but the row is written
-- all the same, so the answer and the writes do not reveal who subscribed.
CREATE TABLE manage_requests (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL,
    subscriber_id BIGINT REFERENCES subscribers ON DELETE CASCADE,
    code_hash BYTEA NOT NULL,
    attempts INT NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX manage_requests_expires_at ON manage_requests (expires_at);

-- Short-lived tokens that prove a visitor holds a subscribed phone, stored
-- as keyed hashes.
CREATE TABLE manage_tokens (
    token_hash BYTEA PRIMARY KEY,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX manage_tokens_subscriber_id ON manage_tokens (subscriber_id);
CREATE INDEX manage_tokens_expires_at ON manage_tokens (expires_at);

-- Twilio's I-Twilio-Idempotency-Token header: a retried webhook carries the
-- same token, so a delivery is handled once by MessageSid or by token.
ALTER TABLE inbound_messages ADD COLUMN idempotency_token TEXT;
CREATE UNIQUE INDEX inbound_messages_idempotency_token ON inbound_messages (idempotency_token)
    WHERE idempotency_token IS NOT NULL;
