-- Issue 20: a replica claims a batch of due timers in one statement; the claim names it and
-- is a lease, so a replica that dies mid-batch leaves its timers to another once the lease
-- ends, and the firing transaction fires only the timers still claimed by its holder.
ALTER TABLE timers ADD COLUMN claimed_by TEXT;
ALTER TABLE timers ADD COLUMN claimed_until TEXT;
CREATE INDEX timers_claimed ON timers (claimed_until) WHERE claimed_until IS NOT NULL;
