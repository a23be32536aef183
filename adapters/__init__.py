"""The outside world behind the core's ports: chat platforms and stores."""
