"""sevbot's tests: unit, service, contract, adapters and end-to-end."""
