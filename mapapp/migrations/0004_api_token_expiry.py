# Tokens expire and can be revoked (issue 14).

import datetime

from django.db import migrations, models
from django.utils import timezone


def expire_existing_tokens(apps, schema_editor):
    # Tokens made before expiry existed get the default 90 days from now, not from when they were made: no
    # script stops the moment this migration runs.
    ApiToken = apps.get_model("mapapp", "ApiToken")
    ApiToken.objects.filter(expires_at=None).update(expires_at=timezone.now() + datetime.timedelta(days=90))


class Migration(migrations.Migration):
    dependencies = [
        ("mapapp", "0003_translated_model_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
    ]
