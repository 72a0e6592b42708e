"""PartnerHub: a partner portal for a cloud vendor's two-tier channel program."""

from .celery import app as celery_app

__all__ = ("celery_app",)
