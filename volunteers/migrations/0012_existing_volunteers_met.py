"""The volunteers approved before introduction meetings were recorded have all been working: they
count as met, on the day their application was approved (by the coordinator who approved it), or
today for an account made without an application."""

from django.db import migrations
from django.utils import timezone


def mark_met(apps, schema_editor):
    VolunteerProfile = apps.get_model("volunteers", "VolunteerProfile")
    VolunteerApplication = apps.get_model("volunteers", "VolunteerApplication")
    approved = {
        application.user_id: application
        for application in VolunteerApplication.objects.filter(
            status="approved", user__isnull=False
        )
    }
    today = timezone.localdate()
    for profile in VolunteerProfile.objects.filter(met_on__isnull=True):
        application = approved.get(profile.user_id)
        if application is not None and application.reviewed_at is not None:
            profile.met_on = timezone.localdate(application.reviewed_at)
            profile.met_by_id = application.reviewed_by_id
        else:
            profile.met_on = today
        profile.save(update_fields=["met_on", "met_by"])


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0011_introduction_meeting")]

    operations = [migrations.RunPython(mark_met, migrations.RunPython.noop)]
