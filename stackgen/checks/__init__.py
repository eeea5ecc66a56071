"""Real-tool checks of rendered artifacts: the tools themselves (Filebeat, Docker Compose,
Logstash's config grammar, the Elasticsearch 9 request specification), found where
`scripts/tools` caches them."""
