-- Dispatch control: a send rate per sender shared by every dispatcher,
-- a retry limit, sending leases for crash recovery, and the problems that
-- stop sending until an admin acts (a paused sender, a blocked country).

-- Twilio's rate for one sender, in SMS segments per second. A plain long
-- code sends 1 per second; toll-free numbers, short codes and Messaging
-- Services with several numbers send more.
ALTER TABLE settings
    ADD COLUMN segments_per_second DOUBLE PRECISION NOT NULL DEFAULT 1
        CHECK (segments_per_second > 0 AND segments_per_second < 'Infinity'),
    ADD COLUMN max_attempts INT NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 20);

-- Segments a message is sent as; it is what the rate limit counts. Rows
-- queued before this column existed count as one segment.
ALTER TABLE messages
    ADD COLUMN segments INT NOT NULL DEFAULT 1 CHECK (segments >= 1),
    -- When a dispatcher claimed the message (status 'sending'). A message
    -- still 'sending' long after this lost its dispatcher, and is checked
    -- against Twilio before it is sent again.
    ADD COLUMN claimed_at TIMESTAMPTZ,
    -- The region (ISO 3166-1 alpha-2) whose messages Twilio's geo
    -- permissions reject; the message waits in the queue until an admin
    -- enables the country and resumes sending.
    ADD COLUMN held_region TEXT;

CREATE INDEX messages_sending_claimed_at ON messages (claimed_at) WHERE status = 'sending';
CREATE INDEX messages_held_region ON messages (held_region) WHERE held_region IS NOT NULL;

-- One token bucket per sender (From number or Messaging Service SID).
-- Dispatchers lock the row while they claim messages, so several
-- processes on one database together keep to the rate.
CREATE TABLE send_rate_buckets (
    sender TEXT PRIMARY KEY,
    -- Segments that may be sent now; negative after a message longer than
    -- the bucket, until the debt refills.
    tokens DOUBLE PRECISION NOT NULL,
    -- When `tokens` was last brought up to date.
    refilled_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A sender that Twilio rejects for the whole account (bad credentials,
-- an unknown account, a number that cannot send). Its messages stay
-- queued until the settings are saved again or sending is resumed.
CREATE TABLE sender_pauses (
    sender TEXT PRIMARY KEY,
    error_code INT,
    reason TEXT NOT NULL,
    fix TEXT NOT NULL,
    paused_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A destination country that Twilio's geo permissions block (error 21408).
CREATE TABLE blocked_regions (
    region TEXT PRIMARY KEY,
    calling_code INT NOT NULL,
    error_message TEXT NOT NULL,
    blocked_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Why a subscriber is 'undeliverable': Twilio's error for their number.
ALTER TABLE subscribers ADD COLUMN status_reason TEXT;

-- Status callbacks that arrived before the dispatcher stored the message's
-- SID (Twilio can report 'sent' before its create answer is recorded).
-- Storing the SID applies and removes them.
CREATE TABLE early_status_callbacks (
    twilio_sid TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    error_code INT,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Claims read due messages in priority order (kodo_core::messages
-- PRIORITY_ORDER); without this index every claim sorts the whole queue.
CREATE INDEX messages_due_priority ON messages (
    (CASE kind WHEN 'verification' THEN 0 WHEN 'help' THEN 0 WHEN 'confirmation' THEN 1 ELSE 2 END),
    id
) WHERE status IN ('queued', 'held') AND channel IS NULL AND held_region IS NULL;
