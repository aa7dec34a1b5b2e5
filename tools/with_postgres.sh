#!/usr/bin/env bash
# Run a command beside a throw-away PostgreSQL server, named to it by FOOTPRINTS_TEST_POSTGRES_URL.
#
#   tools/with_postgres.sh .venv/bin/python -m pytest
#
# Installs Debian's postgresql with apt-get when initdb / pg_ctl are found neither on PATH nor
# under /usr/lib/postgresql/*/bin; makes a cluster in a new temporary folder (owned by the
# postgres user when run as root: the server refuses to run as root); starts it listening
# only on a unix socket in that folder (no TCP port, so no clash with any other server);
# waits until pg_isready says it accepts connections (a ceiling of PG_READY_TIMEOUT_S
# seconds, default 300, for a busy machine); runs the command; and stops the server and
# removes the folder at the end, whatever the command's status, which it exits with.
set -euo pipefail

READY_TIMEOUT_S=${PG_READY_TIMEOUT_S:-300}

say() { echo "with_postgres: $*" >&2; }

find_bin() {
	local found
	found=$(command -v "$1" 2>/dev/null || true)
	if [[ -z $found ]]; then
		found=$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1 || true)
	fi
	echo "$found"
}

INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)
if [[ -z $INITDB || -z $PG_CTL ]]; then
	say "initdb / pg_ctl not found: installing Debian's postgresql"
	SUDO=$([[ $(id -u) == 0 ]] || echo sudo)
	$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
	$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null
	INITDB=$(find_bin initdb)
	PG_CTL=$(find_bin pg_ctl)
	if [[ -z $INITDB || -z $PG_CTL ]]; then
		say "postgresql is installed but initdb / pg_ctl are still missing; looked on PATH and in /usr/lib/postgresql/*/bin"
		exit 2
	fi
fi
BIN=$(dirname "$PG_CTL")
PG_ISREADY=$BIN/pg_isready
[[ -x $PG_ISREADY ]] || PG_ISREADY=$(find_bin pg_isready)

FOLDER=$(mktemp -d "${TMPDIR:-/tmp}/footprints-pg.XXXXXX")
AS=()
stop() {
	local status=$?
	if [[ -f $FOLDER/data/postmaster.pid ]]; then
		"${AS[@]}" "$PG_CTL" -D "$FOLDER/data" -m fast -w -t "$READY_TIMEOUT_S" stop >/dev/null 2>&1 ||
			"${AS[@]}" "$PG_CTL" -D "$FOLDER/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$FOLDER"
	exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $(id -u) == 0 ]]; then
	OWNER=postgres
	id -u "$OWNER" >/dev/null 2>&1 || OWNER=nobody
	chown "$OWNER" "$FOLDER"
	RUNUSER=$(PATH="$PATH:/usr/sbin:/sbin" command -v runuser || true)
	if [[ -z $RUNUSER ]]; then
		say "running as root, and runuser (util-linux) is missing: cannot start the server as $OWNER"
		exit 2
	fi
	AS=("$RUNUSER" -u "$OWNER" --)
fi

"${AS[@]}" "$INITDB" -D "$FOLDER/data" -U footprints -A trust -E UTF8 --no-sync >"$FOLDER/initdb.log" 2>&1 ||
	{ say "initdb failed:"; cat "$FOLDER/initdb.log" >&2; exit 2; }
# fsync off: these databases are thrown away; a killed client still rolls back as ever.
"${AS[@]}" "$PG_CTL" -D "$FOLDER/data" -l "$FOLDER/server.log" -W \
	-o "-c listen_addresses='' -k $FOLDER -c fsync=off -c max_connections=200" start >/dev/null

deadline=$((SECONDS + READY_TIMEOUT_S))
until "$PG_ISREADY" -q -h "$FOLDER" -U footprints -d postgres; do
	if ((SECONDS >= deadline)); then
		say "the server in $FOLDER did not accept connections within $READY_TIMEOUT_S s; its log:"
		cat "$FOLDER/server.log" >&2
		exit 2
	fi
	sleep 0.1
done
say "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') ready on the socket in $FOLDER"

export FOOTPRINTS_TEST_POSTGRES_URL="postgresql+psycopg://footprints@/postgres?host=$FOLDER"
set +e
"$@"
status=$?
set -e
exit "$status"
