#!/bin/sh
# The app's own PostgreSQL role (row-level security, partnerhub/core/rls.py): it logs in, owns no table, is not
# a superuser and cannot bypass row-level security. The image runs this once, when it creates the cluster;
# the migrations (run as the owner, POSTGRES_USER) grant the role the data. JIT is off for the role (the app
# also turns it off on each connection it opens; this covers a pooler's server connections too: README, Deploy).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role="${APP_DB_USER:-partnerhub_app}" -v password="${APP_DB_PASSWORD:?set APP_DB_PASSWORD}" <<'EOSQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
ALTER ROLE :"role" SET jit = off;
EOSQL
