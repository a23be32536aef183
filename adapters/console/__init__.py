"""The local console chat adapter: the demo, `sevbot console`, and a transcript file sink."""
