"""Give the roles their permissions on places and matching weights (see accounts.roles)."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_roles_housing"),
        ("matching", "0004_load_localities"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
