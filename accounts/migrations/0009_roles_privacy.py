"""Give the data protection officer the permissions to read the privacy records."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_roles_places_weights"),
        ("privacy", "0002_labels"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
