"""The first referral of each home (``ReferralFacts``), the approvals of matches
(``ApprovalFacts``) and the matches that moved in (``MoveInFacts``), kept with the stored counts.
Earlier refreshes stored none of them, so they are forgotten: until the next refresh (in full,
since none is left) the dashboard is computed live, as on a fresh database."""

from django.db import migrations, models


def forget_refreshes(apps, schema_editor):
    apps.get_model("reports", "StoredCountsState").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0009_homefacts_source'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApprovalFacts',
            fields=[
                ('transition_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('home_id', models.BigIntegerField()),
                ('partner_id', models.BigIntegerField(null=True)),
                ('municipality_id', models.CharField(max_length=4, null=True)),
                ('approved_us', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['partner_id', 'approved_us'], include=('home_id', 'municipality_id'), name='approvalfacts_partner_idx'), models.Index(fields=['home_id'], name='approvalfacts_home_idx')],
            },
        ),
        migrations.CreateModel(
            name='MoveInFacts',
            fields=[
                ('match_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('case_id', models.BigIntegerField()),
                ('home_id', models.BigIntegerField()),
                ('partner_id', models.BigIntegerField(null=True)),
                ('municipality_id', models.CharField(max_length=4, null=True)),
                ('move_in_date', models.DateField()),
            ],
            options={
                'indexes': [models.Index(fields=['partner_id', 'move_in_date'], include=('case_id', 'home_id', 'municipality_id'), name='moveinfacts_partner_idx'), models.Index(fields=['home_id'], name='moveinfacts_home_idx')],
            },
        ),
        migrations.CreateModel(
            name='ReferralFacts',
            fields=[
                ('home_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('partner_id', models.BigIntegerField(null=True)),
                ('municipality_id', models.CharField(max_length=4, null=True)),
                ('referred_us', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['partner_id', 'referred_us'], include=('municipality_id',), name='referralfacts_partner_idx')],
            },
        ),
        migrations.RunPython(forget_refreshes, migrations.RunPython.noop),
    ]
