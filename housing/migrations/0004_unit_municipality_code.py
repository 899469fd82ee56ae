"""A unit's municipality becomes one of Sweden's 290 (by its code) instead of free text; text that
names no municipality is kept in ``municipality_as_given`` and listed, to be chosen in the admin."""

import django.db.models.deletion
from django.db import migrations, models


def map_municipalities(apps, schema_editor):
    from municipalities.mapping import map_free_text

    map_free_text(apps.get_model("housing", "Unit"), text_field="municipality", label="Units")


class Migration(migrations.Migration):
    dependencies = [
        ("housing", "0003_vacancy_history"),
        ("municipalities", "0002_load_reference_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="municipality_ref",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="units",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="municipality_as_given",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="municipality as typed"
            ),
        ),
        migrations.RunPython(map_municipalities, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="unit", name="municipality"),
        migrations.RenameField(
            model_name="unit", old_name="municipality_ref", new_name="municipality"
        ),
        migrations.AlterField(
            model_name="unit",
            name="municipality",
            field=models.ForeignKey(
                help_text="Empty only for an old unit whose municipality is still to be chosen.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="units",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AlterField(
            model_name="unit",
            name="municipality_as_given",
            field=models.CharField(
                blank=True,
                help_text="The free text of an old unit that could not be read as a municipality.",
                max_length=100,
                verbose_name="municipality as typed",
            ),
        ),
    ]
