"""On-call in the running bot: the rotations service, its configuration, edits from chat, handoff jobs and the calendar feed."""
