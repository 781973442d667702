# SPDX-License-Identifier: MPL-2.0
# A throwaway PostgreSQL cluster holding a Kea lease database, for tests of Kea with the
# PostgreSQL lease backend. Source after lab.sh; inside lab_enter call pg_start. The cluster
# lives in $LAB_DIR/pg, listens on 127.0.0.1:5432 inside the lab's network namespace, runs as
# the postgres user (PostgreSQL refuses root) and is stopped by PID with the other servers.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_LEASE_DB='"lease-database": { "type": "postgresql", "name": "kea", "host": "127.0.0.1", "port": 5432, "user": "kea", "password": "kea" }'

# pg_start: initdb, start, create role and database kea, and the Kea schema (kea-admin).
pg_start() {
	local dir="$LAB_DIR/pg"
	# postgres must reach its folder; the lab directory keeps the 0750 Kea wants for its sockets.
	chgrp postgres "$LAB_DIR"
	mkdir -p "$dir"
	chown postgres: "$dir"
	as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
	as_postgres "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres >"$LAB_DIR/pg-init.log" 2>&1 ||
		lab_fail "initdb failed: $(tail -n 5 "$LAB_DIR/pg-init.log")"
	lab_spawn pg setpriv --reuid=postgres --regid=postgres --init-groups "$PG_BIN/postgres" -D "$dir/data" \
		-c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" -c fsync=off \
		-c synchronous_commit=off -c full_page_writes=off
	lab_wait 30 "$PG_BIN/pg_isready" -q -h 127.0.0.1 || lab_fail "PostgreSQL did not start"
	psql -h 127.0.0.1 -U postgres -q -c "CREATE USER kea WITH PASSWORD 'kea'" -c "CREATE DATABASE kea OWNER kea" \
		>"$LAB_DIR/pg-db.log" 2>&1 || lab_fail "cannot create the kea database: $(cat "$LAB_DIR/pg-db.log")"
	kea-admin db-init pgsql -u kea -p kea -n kea -h 127.0.0.1 >"$LAB_DIR/kea-admin.log" 2>&1 ||
		lab_fail "kea-admin db-init failed: $(tail -n 5 "$LAB_DIR/kea-admin.log")"
}

# pg_sql SQL: runs SQL as kea in the lease database; prints rows, fields separated by spaces.
pg_sql() { PGPASSWORD=kea psql -h 127.0.0.1 -U kea -d kea -At -F ' ' -c "$1"; }

# pg_active_leases4: "address hostname" for every valid lease in the lease4 table, names absolute.
pg_active_leases4() {
	pg_sql "SELECT '0.0.0.0'::inet + address, hostname FROM lease4 WHERE state = 0 AND expire > now()" |
		awk '{ print $1, ($2 ~ /\.$/ ? $2 : $2 ".") }'
}

# pg_hooks: hooks-libraries entries (each followed by a comma) a PostgreSQL lease database
# needs: none before Kea 3.0, libdhcp_pgsql.so from 3.0 on.
pg_hooks() {
	[ ! -e "$LAB_DIR/hooks/libdhcp_pgsql.so" ] || echo "{ \"library\": \"$LAB_DIR/hooks/libdhcp_pgsql.so\" },"
}
