"""Give the roles their permissions on the housing company's records and on follow-ups."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_roles_partnerships"),
        ("housing", "0001_initial"),
        ("volunteers", "0002_followup"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
