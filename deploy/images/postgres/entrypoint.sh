#!/bin/sh
# First start on an empty data directory: a cluster whose superuser `postgres` has POSTGRES_PASSWORD, the
# scripts of /docker-entrypoint-initdb.d/ (*.sql, *.sh) run against it while it listens on no TCP port, then the
# server itself. Any later start: the server.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "kycuong-postgres: POSTGRES_PASSWORD is not set; the first start needs it" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb --pgdata="$PGDATA" --username=postgres --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    # Other containers connect over the network, always with the password.
    printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
    socket=$(mktemp -d)
    pg_ctl --pgdata="$PGDATA" --silent --wait -o "-c listen_addresses='' -c unix_socket_directories='$socket'" start
    for script in /docker-entrypoint-initdb.d/*; do
        [ -e "$script" ] || continue
        echo "kycuong-postgres: running $script" >&2
        case "$script" in
            *.sql) psql --host="$socket" --username=postgres --dbname=postgres --set ON_ERROR_STOP=1 --quiet \
                        --file="$script" ;;
            *.sh) PGHOST="$socket" sh "$script" ;;
            *) echo "kycuong-postgres: ignoring $script" >&2 ;;
        esac
    done
    pg_ctl --pgdata="$PGDATA" --silent --wait --mode=fast stop
    rmdir "$socket"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
