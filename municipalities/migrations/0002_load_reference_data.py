"""Sweden's counties and municipalities from the data files (``municipalities/data``)."""

from django.db import migrations


def load(apps, schema_editor):
    from municipalities.names import read_rows

    county_model = apps.get_model("municipalities", "County")
    municipality_model = apps.get_model("municipalities", "Municipality")
    for row in read_rows("counties.csv"):
        county_model.objects.update_or_create(
            code=row["county_code"],
            defaults={"name": row["county_name"], "short_name": row["county_name_short"]},
        )
    for row in read_rows("municipalities.csv"):
        municipality_model.objects.update_or_create(
            code=row["municipality_code"],
            defaults={
                "name": row["municipality_name"],
                "short_name": row["municipality_name_short"],
                "county_id": row["county_code"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0001_municipalities_and_counties")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
