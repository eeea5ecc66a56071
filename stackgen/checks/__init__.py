"""Real-tool checks of rendered artifacts: the tools themselves (Filebeat, Docker Compose,
Logstash's config grammar, the Elasticsearch 9 request specification), found where
`scripts/tools` caches them; and what only a licensed Elastic runs (detection rules, anomaly
jobs), against Kibana's published rule schema and the EQL syntax reference."""
