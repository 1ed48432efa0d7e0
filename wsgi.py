"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from hotline.app import create_app

app = create_app()
