"""Give the roles their permissions on newcomer cases and matches (see accounts.roles)."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("newcomers", "0001_initial"),
        ("matching", "0001_initial"),
        ("hosts", "0002_home_partner_alter_home_created_at_and_more"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
