#!/usr/bin/env bash
# The Python peers the tests and `make dev` talk to, pinned, in a private venv (.data/peers/venv):
# `standardwebhooks` (an independent verifier of webhook signatures, used by the test receiver),
# `aiosmtpd` (a real SMTP server: the tests' and the dev stack's mail sink) and `localstripe` (a
# stateful fake of Stripe's API: the tests' and the dev stack's payment provider). Prints the
# venv's python. Installs only what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.data/peers/venv"
want=("standardwebhooks==1.1.0" "aiosmtpd==1.4.6" "localstripe==1.15.10")
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" - "${want[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, pinned = spec.split("==")
    if version(name) != pinned:
        sys.exit(1)
PY
then
    echo "peers: installing ${want[*]} into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${want[@]}" >&2
fi
echo "$venv/bin/python"
