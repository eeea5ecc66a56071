"""Stage 4: engines turn records into documents (local Python, or a real Elasticsearch)."""
