"""Unit tests of the pure domain core (`incidents`): no I/O, no clock, no event loop."""
