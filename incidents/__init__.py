"""The incident-response domain: severities, phases, incidents, timers and the command language.

Standard library only, synchronous, and it never reads the clock: every function that needs
the time takes `now` as an argument.
"""
