"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

import gc

from hotline.app import create_app

app = create_app()
# What the app holds by now lives as long as the process: keep it out of the cyclic
# collector's full passes, which otherwise walk it every so often in the middle of a request
# (measured in process on the 10M province: one ledger page in ten took 100 ms more). Under
# `gunicorn --preload` (the Procfile) this runs once in the master: the workers it forks
# share these pages, and the collector never writes to them. The app opens no database
# connection while it is built, so no worker inherits one.
gc.freeze()
