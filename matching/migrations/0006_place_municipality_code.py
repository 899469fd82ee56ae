"""A place's municipality becomes one of Sweden's 290 (by its code) instead of GeoNames' text
("Skellefteå Kommun"): localities belong to their municipality, and a name shared by localities
of several municipalities is read as the one in the home's. Districts keep the municipality their
partner gave. Text that names no municipality is kept in ``municipality_as_given`` and listed."""

import django.db.models.deletion
from django.db import migrations, models


def map_municipalities(apps, schema_editor):
    from municipalities.mapping import map_places

    map_places(apps.get_model("matching", "Place"))


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0005_labels"),
        ("municipalities", "0002_load_reference_data"),
        ("accounts", "0012_local_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="place",
            name="municipality_ref",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="places",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AddField(
            model_name="place",
            name="municipality_as_given",
            field=models.CharField(
                blank=True, max_length=120, verbose_name="municipality as given"
            ),
        ),
        migrations.RunPython(map_municipalities, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="place", name="municipality"),
        migrations.RenameField(
            model_name="place", old_name="municipality_ref", new_name="municipality"
        ),
        migrations.AlterField(
            model_name="place",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                help_text="The municipality the place lies in: a name shared by places in several municipalities is read as the one in the home's municipality.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="places",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AlterField(
            model_name="place",
            name="municipality_as_given",
            field=models.CharField(
                blank=True,
                help_text="The municipality's name as the place came with it, kept where it could not be read as one of Sweden's municipalities: choose the municipality it stands for.",
                max_length=120,
                verbose_name="municipality as given",
            ),
        ),
    ]
