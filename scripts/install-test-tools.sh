#!/usr/bin/env bash
# Installs what the test suites use and this machine lacks: PostgreSQL, Redis, mosquitto's clients, curl and docker-compose
# (to validate deploy/ without a daemon) from Debian's packages
# (apt-get, as root or through sudo), and the Python test tools (schemathesis, openapi-spec-validator,
# jsonschema, cassandra-driver for the CQL peer, nx-27017 standing in for MongoDB and pymongo to check it, websockets to check the live streams and paho-mqtt the MQTT listener with clients the project did not write) from PyPI into a virtual environment of the build folder. Test tools only, never part of the
# product. Prints the virtual environment's bin folder on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${IOTFLOW_TEST_VENV:-$PWD/.build/test-tools/venv}

packages=()
command -v git >/dev/null 2>&1 || packages+=(git)
command -v curl >/dev/null 2>&1 || packages+=(curl)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || packages+=(postgresql)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
command -v mosquitto_pub >/dev/null 2>&1 || packages+=(mosquitto-clients)
command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
if [ "${#packages[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null 2>&1; then apt=(sudo apt-get); else
        echo "install-test-tools: missing ${packages[*]}; install them (apt-get install ${packages[*]}) or run as root" >&2
        exit 1
    fi
    echo "install-test-tools: installing ${packages[*]}" >&2
    "${apt[@]}" update >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "${packages[@]}" >&2
fi

# Pinned so a new release cannot change what CI checks.
tools=(schemathesis==4.32.5 openapi-spec-validator==0.9.0 jsonschema==4.26.0 cassandra-driver==3.30.1 nx-27017==0.8.1 pymongo==4.20.1 websockets==17.4 paho-mqtt==2.1.0)
if ! "$venv/bin/python" -c 'import schemathesis, openapi_spec_validator, jsonschema, cassandra, pymongo, websockets, paho.mqtt' >/dev/null 2>&1 ||
    [ ! -x "$venv/bin/nx-27017" ]; then
    echo "install-test-tools: installing ${tools[*]} into $venv" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${tools[@]}" >&2
fi
echo "$venv/bin"
