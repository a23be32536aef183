"""On-call in the domain: rotations, shifts and their edits, handoffs, `/oncall` parsing and wording."""
