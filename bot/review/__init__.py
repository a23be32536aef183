"""Post-incident reviews in the running bot: the Markdown draft, `sevbot review`, and action-item nags."""
