"""The registration with the Public Employment Service is the household's, not the contract's:
it moves to the newcomer case (one date for the household's whole road, also for a household
in a private home), and the contract reads it from there."""

from django.db import migrations


def copy_to_case(apps, schema_editor):
    Contract = apps.get_model("housing", "Contract")
    NewcomerCase = apps.get_model("newcomers", "NewcomerCase")
    for contract in (
        Contract.objects.exclude(registered_with_employment_service_on=None)
        .select_related("match")
        .order_by("registered_with_employment_service_on")
    ):
        NewcomerCase.objects.filter(
            pk=contract.match.case_id, registered_with_employment_service_on=None
        ).update(
            registered_with_employment_service_on=contract.registered_with_employment_service_on
        )


def copy_back(apps, schema_editor):
    Contract = apps.get_model("housing", "Contract")
    for contract in Contract.objects.select_related("match__case"):
        day = contract.match.case.registered_with_employment_service_on
        if day is not None:
            Contract.objects.filter(pk=contract.pk).update(registered_with_employment_service_on=day)


class Migration(migrations.Migration):
    dependencies = [
        ("housing", "0005_household_actor"),
        ("newcomers", "0006_road_to_work"),
        ("matching", "0007_household_answer_and_early_end"),
    ]

    operations = [
        migrations.RunPython(copy_to_case, copy_back),
        migrations.RemoveField(model_name="contract", name="registered_with_employment_service_on"),
    ]
