"""Check-ins replace the follow-ups after a move-in (``volunteers.FollowUp``): every follow-up
becomes a check-in of the same stay, days and due date, with the same number (so the address of a
follow-up's "Done" button leads to its check-in), and one history row:

- a follow-up done: a check-in done (all well) when and by whom it was done, with its note;
- an open follow-up of a stay under way: a planned check-in;
- an open follow-up of a stay that has ended (or never began): a cancelled check-in, as the
  portal now cancels the planned check-ins of a stay that ends.

``volunteers`` 0010 then removes the follow-ups. Backwards, the check-ins become follow-ups again
(a cancelled one as an open follow-up, as follow-ups were never cancelled)."""

from django.core.management.color import no_style
from django.db import migrations
from django.utils import timezone

MIGRATED = "Moved from the follow-ups when check-ins replaced them."
ENDED = "The stay had ended when check-ins replaced the follow-ups."


def follow_ups_to_check_ins(apps, schema_editor):
    follow_up_model = apps.get_model("volunteers", "FollowUp")
    check_in_model = apps.get_model("stays", "CheckIn")
    transition_model = apps.get_model("stays", "CheckInTransition")
    # The numbers are kept when no check-in exists yet (the usual case: this runs right after
    # the check-ins' table was made).
    keep_numbers = not check_in_model.objects.exists()
    now = timezone.now()
    for follow_up in follow_up_model.objects.select_related("match").order_by("pk").iterator():
        if check_in_model.objects.filter(
            match_id=follow_up.match_id, after_days=follow_up.after_days
        ).exists():
            continue
        done = follow_up.done_at is not None
        under_way = follow_up.match.status == "moved_in"
        if done:
            status, changed, from_state = "done", follow_up.done_at, "planned"
        elif under_way:
            status, changed, from_state = "planned", now, ""
        else:
            status, changed, from_state = "cancelled", now, "planned"
        check_in = check_in_model.objects.create(
            **({"pk": follow_up.pk} if keep_numbers else {}),
            match_id=follow_up.match_id,
            after_days=follow_up.after_days,
            due_on=follow_up.due_on,
            responsible=follow_up.responsible,
            status=status,
            status_changed_at=changed,
            outcome="all_well" if done else "",
            done_at=follow_up.done_at,
            done_by_id=follow_up.done_by_id,
            note=follow_up.note,
        )
        transition_model.objects.create(
            check_in=check_in,
            from_state=from_state,
            to_state=status,
            actor_id=follow_up.done_by_id if done else None,
            actor_kind="user" if done else "system",
            reason=MIGRATED if status != "cancelled" else ENDED,
            created_at=changed,
        )
    if keep_numbers:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [check_in_model]):
                cursor.execute(statement)


def check_ins_to_follow_ups(apps, schema_editor):
    follow_up_model = apps.get_model("volunteers", "FollowUp")
    check_in_model = apps.get_model("stays", "CheckIn")
    for check_in in check_in_model.objects.order_by("pk").iterator():
        follow_up_model.objects.update_or_create(
            pk=check_in.pk,
            defaults={
                "match_id": check_in.match_id,
                "after_days": check_in.after_days,
                "due_on": check_in.due_on,
                "responsible": check_in.responsible,
                "done_at": check_in.done_at if check_in.status == "done" else None,
                "done_by_id": check_in.done_by_id if check_in.status == "done" else None,
                "note": check_in.note,
            },
        )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [follow_up_model]):
            cursor.execute(statement)
    check_in_model.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stays", "0001_initial"),
        ("volunteers", "0009_household_actor"),
    ]

    operations = [migrations.RunPython(follow_ups_to_check_ins, check_ins_to_follow_ups)]
