-- Issue 19, one incident on several platforms: a mirrored incident's messages are one outbox
-- row per platform, kept in order per incident *and platform*, so a platform that is down or
-- rate limited holds back only its own rows. The claim looks for an older undelivered row of
-- the same incident on the same platform: this index answers it.
CREATE INDEX outbox_incident_platform ON outbox (incident, platform, id) WHERE delivered_at IS NULL AND dead_at IS NULL;
DROP INDEX outbox_incident;
