"""Make the role groups with their permissions (see accounts.roles)."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("hosts", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
