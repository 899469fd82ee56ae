"""Give the roles their permissions on the volunteers' records (see accounts.roles)."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_organisation_unreachable_after_attempts"),
        ("volunteers", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
