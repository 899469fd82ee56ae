"""The follow-ups are gone: check-ins of the stay replaced them (``stays`` 0002 copied every
follow-up into a check-in first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0009_household_actor"),
        ("stays", "0002_follow_ups_to_check_ins"),
    ]

    operations = [
        migrations.DeleteModel(
            name="FollowUp",
        ),
    ]
