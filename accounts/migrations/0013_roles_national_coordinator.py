"""The national coordinator's role group (``roles.NATIONAL_COORDINATOR``), held together with the
volunteer coordinator's: it reads the organisation's local groups in the admin."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_local_groups"),
        ("volunteers", "0008_route_to_local_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
