#!/usr/bin/env bash
# One-shot setup for stackgen-syslog, rendered by stackgen: creates the CA and node
# certificates, sets the kibana_system password, and creates the least-privilege writer role
# and user Logstash ships with. Secrets come from the environment (.env), never from this file.
set -euo pipefail
cd /usr/share/elasticsearch
certs=config/certs
if [ ! -f "$certs/ca/ca.crt" ]; then
  bin/elasticsearch-certutil ca --silent --pem -out "$certs/ca.zip"
  unzip -q -o "$certs/ca.zip" -d "$certs"
fi
if [ ! -f "$certs/es01/es01.crt" ]; then
  cat > "$certs/instances.yml" <<INSTANCES
instances:
  - name: es01
    dns: [es01, localhost]
    ip: [127.0.0.1]
  - name: es02
    dns: [es02, localhost]
    ip: [127.0.0.1]
  - name: es03
    dns: [es03, localhost]
    ip: [127.0.0.1]
INSTANCES
  bin/elasticsearch-certutil cert --silent --pem -out "$certs/certs.zip" --in "$certs/instances.yml" \
    --ca-cert "$certs/ca/ca.crt" --ca-key "$certs/ca/ca.key"
  unzip -q -o "$certs/certs.zip" -d "$certs"
fi
chown -R 1000:0 "$certs"
find "$certs" -type d -exec chmod 755 {} \;
find "$certs" -type f -exec chmod 640 {} \;
chmod 644 "$certs/ca/ca.crt"  # the host (stackgen up) and every service read the CA; keys stay 640

es() {
  curl -s --cacert "$certs/ca/ca.crt" -u "elastic:${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' "$@"
}
until curl -s --cacert "$certs/ca/ca.crt" https://es01:9200 | grep -q 'missing authentication credentials'; do
  echo "waiting for Elasticsearch"; sleep 5
done
until es -X POST https://es01:9200/_security/user/kibana_system/_password \
    -d "{\"password\":\"${KIBANA_PASSWORD}\"}" | grep -q '^{}'; do
  echo "setting the kibana_system password"; sleep 5
done
# Logstash writes to syslog-* only: create documents and indices, nothing else.
es -X PUT https://es01:9200/_security/role/stackgen_syslog_writer -d '{"cluster":["monitor"],"indices":[{"names":["syslog-*"],"privileges":["create_doc","create_index"]}]}' | grep -q '"created"'
es -X PUT https://es01:9200/_security/user/stackgen_syslog_logstash \
  -d "{\"password\":\"${LOGSTASH_WRITER_PASSWORD}\",\"roles\":[\"stackgen_syslog_writer\"],\"full_name\":\"stackgen syslog writer\"}" \
  | grep -q '"created"'
touch "$certs/.setup-done"
echo "setup done"
# Stay up (healthy) so that `docker compose up --wait` waits for the whole stack, setup included.
exec sleep infinity
