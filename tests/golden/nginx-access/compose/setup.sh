#!/usr/bin/env bash
# One-shot setup for stackgen-nginx-access, rendered by stackgen. Two steps, two services:
#   certs  creates the CA and the node certificates (before any node starts);
#   setup  once es01 answers: the kibana_system password, the least-privilege writer role and
#          user Logstash ships with, then the index template and the ingest pipeline, so that no
#          shipper can write before the mappings exist.
# Every request is retried until Elasticsearch accepts it or SETUP_SECONDS pass; a failure names
# the step and prints Elasticsearch's last answer. Secrets come from the environment (.env).
set -euo pipefail
cd /usr/share/elasticsearch
certs=config/certs

make_certs() {
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
  echo "certificates ready"
}

deadline=$(( $(date +%s) + ${SETUP_SECONDS:-300} ))

# request STEP EXPECTED METHOD PATH [curl data arguments]: retried until the answer holds EXPECTED.
request() {
  local step=$1 expected=$2 method=$3 path=$4 answer=""
  shift 4
  while true; do
    answer=$(curl -s --cacert "$certs/ca/ca.crt" -u "elastic:${ELASTIC_PASSWORD}" \
      -H 'Content-Type: application/json' -X "$method" "https://es01:9200$path" "$@" 2>&1) || true
    if printf '%s' "$answer" | grep -q "$expected"; then
      echo "$step: done"
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "setup failed at step '$step' ($method $path): Elasticsearch's last answer was:" >&2
      echo "${answer:-<no answer: es01 unreachable>}" >&2
      exit 1
    fi
    echo "$step: waiting for Elasticsearch"
    sleep 5
  done
}

setup() {
  request "kibana_system password" '^{}' POST /_security/user/kibana_system/_password \
    -d "{\"password\":\"${KIBANA_PASSWORD}\"}"
  # Logstash writes to nginx-access-* only: create documents and indices, nothing else.
  request "writer role stackgen_nginx-access_writer" '"created"' PUT /_security/role/stackgen_nginx-access_writer -d '{"cluster":["monitor"],"indices":[{"names":["nginx-access-*"],"privileges":["create_doc","create_index"]}]}'
  request "writer user stackgen_nginx-access_logstash" '"created"' PUT /_security/user/stackgen_nginx-access_logstash \
    -d "{\"password\":\"${LOGSTASH_WRITER_PASSWORD}\",\"roles\":[\"stackgen_nginx-access_writer\"],\"full_name\":\"stackgen nginx-access writer\"}"
  request "index template stackgen-nginx-access" '"acknowledged":true' PUT /_index_template/stackgen-nginx-access \
    --data-binary @/stackgen/elasticsearch/index-template.json
  # the pipelines of the variants' cases first: the main pipeline runs them by name
  for case in /stackgen/elasticsearch/ingest-pipelines/*.json; do
    [ -e "$case" ] || continue
    name=$(basename "$case" .json)
    request "ingest pipeline $name" '"acknowledged":true' PUT "/_ingest/pipeline/$name" --data-binary "@$case"
  done
  request "ingest pipeline stackgen-nginx-access" '"acknowledged":true' PUT /_ingest/pipeline/stackgen-nginx-access \
    --data-binary @/stackgen/elasticsearch/ingest-pipeline.json
  echo "setup done"
}

case "${1:-}" in
  certs) make_certs ;;
  setup) setup ;;
  *) echo "usage: setup.sh certs|setup" >&2; exit 2 ;;
esac
