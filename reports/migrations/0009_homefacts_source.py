"""The tagged link of each stored registration (``HomeFacts.source_id``), so that the dashboard's
registrations by tagged link are read from the stored facts like the rest of the cohort. The rows
already stored get their home's link here (a home's link is set at registration and never
changes), so the stored counts stay exact without a full refresh."""

from django.db import migrations, models

FILL = """
UPDATE reports_homefacts SET source_id = (
    SELECT hosts_home.source_id FROM hosts_home WHERE hosts_home.id = reports_homefacts.home_id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0008_stored_counts'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='homefacts',
            name='homefacts_muni_idx',
        ),
        migrations.AddField(
            model_name='homefacts',
            name='source_id',
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='homefacts',
            index=models.Index(fields=['municipality_id', 'registered_us'], include=('registered_on', 'partner_id', 'reached_us', 'visited_us', 'referred_us', 'source_id'), name='homefacts_muni_idx'),
        ),
    ]
