#!/usr/bin/env bash
# Makes sure the services the test suite talks to are running on 127.0.0.1:
# PostgreSQL (database "test", trust auth for postgres), Redis and RabbitMQ.
# Installs and starts what is missing; leaves running services alone.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do listening "$port" && return 0; sleep 1; done
  echo "$name did not come up on port $port" >&2
  return 1
}

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
if [ "${#need[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! listening 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for 5432 PostgreSQL
fi
if ! psql -h 127.0.0.1 -U postgres -d test -Atc "select 1" >/dev/null 2>&1; then
  # A fresh Debian PostgreSQL: allow the suite's trust login on loopback, create "test".
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! $SUDO grep -q "fernblick-tests" "$hba"; then
    $SUDO sed -i "1i host all postgres 127.0.0.1/32 trust # fernblick-tests" "$hba"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
  psql -h 127.0.0.1 -U postgres -Atc "create database test" >/dev/null 2>&1 || true
fi
if ! listening 6379; then
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 6379 Redis
fi
if ! listening 5672; then
  $SUDO rabbitmq-server -detached
  wait_for 5672 RabbitMQ
fi
echo "PostgreSQL, Redis and RabbitMQ are up."
