from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("Municipalities and counties")

    def ready(self):
        from django.db.models.signals import post_migrate

        def keep_reference_data(sender, using="default", **kwargs):
            # A migration loads the counties and municipalities; a flush (e.g. after a
            # transactional test) empties the tables, and this loads them again.
            if sender.name == self.name:
                load_if_missing(using=using)

        post_migrate.connect(keep_reference_data, dispatch_uid="municipalities-keep-data")


def load_if_missing(using: str = "default") -> bool:
    """Load the reference data when the table is empty (after a flush). True if it loaded."""
    import importlib

    from django.apps import apps
    from django.db import transaction

    from .models import Municipality

    if Municipality.objects.using(using).exists():
        return False
    # One transaction: a commit for each of the 311 rows took a second after every flush.
    with transaction.atomic(using=using):
        migration = importlib.import_module("municipalities.migrations.0002_load_reference_data")
        migration.load(apps, None)
    return True
