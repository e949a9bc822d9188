# Installs, starts and prepares a local PostgreSQL for the test suites, then
# exports NEWSROOM_TEST_POSTGRES_URL. Meant to be sourced (". .ci/postgres.sh")
# as root on a Debian machine without systemd. Idempotent: when PostgreSQL is
# installed and running already it only checks that it answers.
#
# Tests create and drop their own databases, so the role may create databases;
# newsroom_test is the database the URL names and the one they connect to first.

_nr_pg_main() {
    local role=newsroom password=newsroom db=newsroom_test port=5432

    if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        echo "postgres.sh: installing PostgreSQL from Debian's packages" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
    fi

    # The packages create a cluster; create one if a previous run removed it.
    local version cluster
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    cluster=main
    if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
        pg_createcluster "$version" "$cluster" --port "$port" >/dev/null || return 1
    fi
    port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')

    if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c && $4 ~ /online/ { found = 1 } END { exit !found }'; then
        # No systemd in CI: pg_ctlcluster starts the server directly.
        pg_ctlcluster "$version" "$cluster" start || return 1
    fi

    local i
    for i in $(seq 1 60); do
        if su postgres -c "psql -p $port -Atqc 'SELECT 1'" >/dev/null 2>&1; then
            break
        fi
        if [ "$i" = 60 ]; then
            echo "postgres.sh: PostgreSQL did not accept connections within 30 s" >&2
            return 1
        fi
        sleep 0.5
    done

    su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -Atq" >/dev/null <<SQL || return 1
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
        CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password';
    ELSE
        ALTER ROLE $role LOGIN CREATEDB PASSWORD '$password';
    END IF;
END
\$\$;
SQL
    if [ -z "$(su postgres -c "psql -p $port -Atqc \"SELECT 1 FROM pg_database WHERE datname = '$db'\"")" ]; then
        su postgres -c "createdb -p $port -O $role $db" || return 1
    fi

    export NEWSROOM_TEST_POSTGRES_URL="postgres://$role:$password@127.0.0.1:$port/$db"
    echo "postgres.sh: PostgreSQL $version ready, NEWSROOM_TEST_POSTGRES_URL=postgres://$role:***@127.0.0.1:$port/$db" >&2
}

_nr_pg_main
_nr_pg_status=$?
unset -f _nr_pg_main
if [ "$_nr_pg_status" != 0 ]; then
    echo "postgres.sh: PostgreSQL setup failed; its suites will report that they were skipped" >&2
fi
unset _nr_pg_status
