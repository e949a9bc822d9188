# Installs the outside checkers the conformance tests run, pinned, into
# $NEWSROOM_CI_TOOLS (default /opt/newsroom-ci), then exports where they are
# and that the tests must not skip. Meant to be sourced by .ci/run, as root
# on a Debian machine; a developer may run it too ("source .ci/tools.sh").
#
# - vnu-jar (npm): the Nu HTML Checker, run on Debian's Java runtime
#   (its npm postinstall, which would download a Java, is not run);
# - axe-core (npm): injected into the headless Chromium of the browser tests;
# - schemathesis (pip, in its own virtualenv): fuzzes the JSON API against
#   its OpenAPI document;
# - prometheus-client (pip, same virtualenv): its parser reads the metrics
#   endpoint in crates/newsroom/tests/operators.rs.
# Idempotent: what is installed at the pinned version is kept.

_nr_tools_main() {
    local dir=${NEWSROOM_CI_TOOLS:-/opt/newsroom-ci}
    local vnu=26.9.27 axe=4.14.1 schemathesis=4.32.5 prometheus_client=0.26.0
    local need=()
    command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
    command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3 python3-venv)
    if [ ${#need[@]} -gt 0 ]; then
        echo "tools.sh: installing ${need[*]} from Debian's packages" >&2
        if [ ! -f /tmp/.newsroom-apt-updated ]; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq && touch /tmp/.newsroom-apt-updated || return 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || return 1
    fi
    mkdir -p "$dir" || return 1
    local have_vnu have_axe
    have_vnu=$(node -p "require('$dir/node_modules/vnu-jar/package.json').version" 2>/dev/null || true)
    have_axe=$(node -p "require('$dir/node_modules/axe-core/package.json').version" 2>/dev/null || true)
    if [ "$have_vnu" != "$vnu" ] || [ "$have_axe" != "$axe" ]; then
        echo "tools.sh: npm install vnu-jar@$vnu axe-core@$axe" >&2
        npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --silent \
            "vnu-jar@$vnu" "axe-core@$axe" || return 1
    fi
    if ! "$dir/venv/bin/schemathesis" --version 2>/dev/null | grep -q "$schemathesis"; then
        echo "tools.sh: pip install schemathesis==$schemathesis" >&2
        python3 -m venv "$dir/venv" || return 1
        "$dir/venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$schemathesis" || return 1
    fi
    if ! "$dir/venv/bin/python" -c "import sys, importlib.metadata as m; sys.exit(m.version('prometheus-client') != '$prometheus_client')" 2>/dev/null; then
        echo "tools.sh: pip install prometheus-client==$prometheus_client" >&2
        "$dir/venv/bin/pip" install -q --disable-pip-version-check "prometheus-client==$prometheus_client" || return 1
    fi
    export NEWSROOM_CI_TOOLS="$dir"
    export NEWSROOM_TEST_VNU_JAR="$dir/node_modules/vnu-jar/build/dist/vnu.jar"
    export NEWSROOM_TEST_AXE_JS="$dir/node_modules/axe-core/axe.min.js"
    export NEWSROOM_TEST_SCHEMATHESIS="$dir/venv/bin/schemathesis"
    export NEWSROOM_TEST_PROMETHEUS_PYTHON="$dir/venv/bin/python"
    export NEWSROOM_TEST_VNU_REQUIRED=1 NEWSROOM_TEST_AXE_REQUIRED=1 NEWSROOM_TEST_SCHEMATHESIS_REQUIRED=1
    export NEWSROOM_TEST_PROMETHEUS_REQUIRED=1
}

_nr_tools_main || { echo "tools.sh: could not install the checkers" >&2; return 1 2>/dev/null || exit 1; }
unset -f _nr_tools_main
