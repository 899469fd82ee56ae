"""The placement supervisor's role group, and the road to work's permissions for the partner's
coordinators, the housing company's staff, managers and the data protection officer."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_roles_national_coordinator"),
        ("work", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
