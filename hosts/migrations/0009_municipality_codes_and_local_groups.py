"""The home's municipality becomes one of Sweden's 290 (by its code) instead of free text, and a
home gets the local group that calls its host. Free text that names no municipality is kept in
``municipality_as_given`` and listed, for a coordinator to choose the municipality in the admin."""

import django.db.models.deletion
from django.db import migrations, models


def map_municipalities(apps, schema_editor):
    from municipalities.mapping import map_free_text

    map_free_text(apps.get_model("hosts", "Home"), text_field="municipality", label="Homes")


class Migration(migrations.Migration):
    dependencies = [
        ("hosts", "0008_canonical_email_and_link_version"),
        ("municipalities", "0002_load_reference_data"),
        ("accounts", "0012_local_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="home",
            name="municipality_ref",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="homes",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AddField(
            model_name="home",
            name="municipality_as_given",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="municipality as typed"
            ),
        ),
        migrations.RunPython(map_municipalities, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="home", name="municipality"),
        migrations.RenameField(
            model_name="home", old_name="municipality_ref", new_name="municipality"
        ),
        migrations.AddField(
            model_name="home",
            name="local_group",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="homes",
                to="accounts.localgroup",
                verbose_name="local group",
            ),
        ),
        migrations.AddIndex(
            model_name="home",
            index=models.Index(fields=["local_group", "status"], name="home_group_status_idx"),
        ),
        migrations.AlterField(
            model_name="home",
            name="local_group",
            field=models.ForeignKey(
                blank=True,
                help_text="The volunteer group that calls and visits the host: the one covering the home's municipality, or the one it was handed over to. Empty when no group covers it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="homes",
                to="accounts.localgroup",
                verbose_name="local group",
            ),
        ),
        migrations.AlterField(
            model_name="home",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty only for an old registration whose municipality is still to be chosen.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="homes",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AlterField(
            model_name="home",
            name="municipality_as_given",
            field=models.CharField(
                blank=True,
                help_text="The free text of a registration from before municipalities were chosen from a list, kept where it could not be read as one of Sweden's municipalities: choose the municipality it stands for.",
                max_length=100,
                verbose_name="municipality as typed",
            ),
        ),
    ]
