"""The two editorial roles, as Django groups with model permissions.

Editors draw and edit places and record control changes, sieges and sources as drafts. Reviewers can do all
that, and also publish, reject, withdraw and restore. Give a person a role by adding them to the group (and
ticking "staff status" so they can log in to the admin).

The groups are made by the data migration mapapp/migrations/0002_editor_roles.py and kept in step after every
`migrate` or `flush` by ensure_roles() (connected to post_migrate in mapapp.apps), so a database that was
flushed (as the test runner does between transactional tests) still has them.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes

EDITORS = "Editors"
REVIEWERS = "Reviewers"

_EDITOR_MODEL_PERMISSIONS = {
    # app label -> model -> actions
    "gazetteer": {
        "place": ("add", "change", "view"),
        "placename": ("add", "change", "delete", "view"),
    },
    "mapapp": {
        "source": ("add", "change", "view"),
        "controlchange": ("add", "change", "view"),
        "siege": ("add", "change", "view"),
        "siegeplace": ("add", "change", "delete", "view"),
        "siegesupply": ("add", "change", "delete", "view"),
        "event": ("add", "change", "view"),
        "actor": ("view",),
        "map": ("view",),
        "controlperiod": ("view",),
    },
}

_REVIEWER_EXTRA = {
    "mapapp": {
        "controlchange": (
            "publish_controlchange",
            "reject_controlchange",
            "withdraw_controlchange",
            "restore_controlchange",
        ),
        "siege": ("publish_siege",),
        "event": ("publish_event",),
        # Maps of any size without code (issue 12): reviewers create maps and set their zones.
        "map": ("add_map", "change_map"),
    },
    # Lift a login lockout (django-axes) by deleting the attempts it counted.
    "axes": {"accessattempt": ("view", "delete"), "accessfailurelog": ("view",)},
}


def _codenames(model_permissions: dict) -> set[tuple[str, str, str]]:
    """{(app_label, model, codename)} for {app: {model: actions or full codenames}}."""
    result = set()
    for app_label, models in model_permissions.items():
        for model, actions in models.items():
            for action in actions:
                codename = action if "_" in action else f"{action}_{model}"
                result.add((app_label, model, codename))
    return result


EDITOR_PERMISSIONS = _codenames(_EDITOR_MODEL_PERMISSIONS)
REVIEWER_PERMISSIONS = EDITOR_PERMISSIONS | _codenames(_REVIEWER_EXTRA)


def ensure_roles(apps, using: str = "default") -> None:
    """Create the Editors and Reviewers groups if missing and give them at least their permissions.

    `apps` is the app registry (the historical one inside a migration). Permissions and content types are
    created first if they do not exist yet (post_migrate, which normally makes them, runs after migrations).
    """
    for app_config in apps.get_app_configs():
        if app_config.label not in ("gazetteer", "mapapp", "axes"):
            continue
        # Historical app configs have no models_module; create_* skip those unless told otherwise.
        had_module = getattr(app_config, "models_module", None)
        app_config.models_module = had_module or True
        try:
            create_contenttypes(app_config, verbosity=0, using=using, apps=apps)
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = had_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ((EDITORS, EDITOR_PERMISSIONS), (REVIEWERS, REVIEWER_PERMISSIONS)):
        group, _created = Group.objects.using(using).get_or_create(name=name)
        permissions = []
        for app_label, model, codename in sorted(wanted):
            if not _has_model(apps, app_label, model):
                continue  # a model a later migration adds: post_migrate gives its permissions after the last one
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, content_type__model=model, codename=codename)
                .first()
            )
            if permission is None:
                raise LookupError(f"permission {app_label}.{codename} does not exist; is the migration missing?")
            permissions.append(permission)
        group.permissions.add(*permissions)


def _has_model(apps, app_label: str, model: str) -> bool:
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True


def ensure_roles_after_migrate(sender, app_config=None, using="default", apps=None, **kwargs) -> None:
    """post_migrate receiver: runs once, after mapapp's own post_migrate work."""
    if app_config is None or app_config.label != "mapapp":
        return
    ensure_roles(apps or global_apps, using=using)
