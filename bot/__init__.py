"""The async application: command bus, durable scheduler, outbox dispatcher, CLI, wiring."""
