from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MapappConfig(AppConfig):
    name = "mapapp"
    verbose_name = _("Maps and control")

    def ready(self):
        # Imported here, not at the top: they import models, which Django allows only once the apps are loaded.
        from mapapp import answers, receivers, versioning
        from mapapp.roles import ensure_roles_after_migrate
        from mapapp.services.fronts import derived_missing_rebuild

        # Every write that changes what a map shows bumps its data version (mapapp/versioning.py).
        versioning.connect()
        # A bump has the worker build the map's first reads once it commits (mapapp/answers.py, "Built ahead").
        versioning.data_version_bumped.connect(answers.build_ahead_on_bump, dispatch_uid="mapapp-build-ahead")

        # After every migrate and flush: the Editors and Reviewers groups exist with their permissions.
        post_migrate.connect(ensure_roles_after_migrate, sender=self, dispatch_uid="mapapp-ensure-roles")
        # A database recorded before the derived tables existed gets its fronts and pockets derived once.
        post_migrate.connect(derived_missing_rebuild, sender=self, dispatch_uid="mapapp-derive-missing")
        # What the gazetteer announces about places (a new footprint) reaches the maps built on them.
        receivers.connect()
