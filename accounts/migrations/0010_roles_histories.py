"""Those who read home visits, volunteer applications, vacancies and report runs read their
histories too."""

from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_roles_privacy"),
        ("housing", "0003_vacancy_history"),
        ("reports", "0003_report_run_history"),
        ("volunteers", "0005_visit_and_application_history"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
