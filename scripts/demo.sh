#!/usr/bin/env bash
# Install Deliberate, build the demo organisation on SQLite and serve it at
# http://127.0.0.1:5000. Safe to run again: it reuses the venv and the demo data.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt

export FLASK_APP=app
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
echo
echo "Deliberate is starting at http://127.0.0.1:5000  (Ctrl+C to stop)"
echo "Mail is not sent in development: it is printed here and kept in instance/outbox/."
exec .venv/bin/flask run --host 127.0.0.1 --port 5000
