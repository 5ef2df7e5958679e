"""WSGI entry point for gunicorn: ``gunicorn nurture.web.wsgi:app``."""

from nurture.web.app import create_app

app = create_app()
