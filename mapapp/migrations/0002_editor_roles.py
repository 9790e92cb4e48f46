# The reviewers' custom permissions, and the Editors and Reviewers groups (a data migration).

from django.db import migrations


def create_roles(apps, schema_editor):
    from mapapp.roles import ensure_roles

    ensure_roles(apps, using=schema_editor.connection.alias)


def delete_roles(apps, schema_editor):
    from mapapp.roles import EDITORS, REVIEWERS

    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name__in=[EDITORS, REVIEWERS]
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("gazetteer", "0001_initial"),
        ("mapapp", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="controlchange",
            options={
                "ordering": ["date", "id"],
                "permissions": [
                    ("publish_controlchange", "Can publish a control change"),
                    ("reject_controlchange", "Can reject a draft control change"),
                    ("withdraw_controlchange", "Can withdraw a control change"),
                    ("restore_controlchange", "Can restore an earlier version of a control change"),
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="siege",
            options={"ordering": ["start", "slug"], "permissions": [("publish_siege", "Can publish or withdraw a siege")]},
        ),
        migrations.RunPython(create_roles, delete_roles),
    ]
