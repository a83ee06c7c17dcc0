"""fer-video's own stages, registered through entry points exactly like third-party plugins."""
