from django.urls import path

from . import group_views, views

app_name = "volunteers"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/thanks/", views.joined, name="joined"),
    path("", views.start, name="start"),
    path("queue/", views.queue, name="queue"),
    path("queue/next/", views.claim_next, name="claim_next"),
    path("queue/<int:entry_id>/outcome/", views.record_outcome, name="record_outcome"),
    path("queue/<int:entry_id>/hand-back/", views.hand_back, name="hand_back"),
    path("homes/<int:home_id>/note/", views.add_note, name="add_note"),
    path("homes/<int:home_id>/visit/", views.book_visit, name="book_visit"),
    path("homes/<int:home_id>/duplicates/", views.duplicates, name="duplicates"),
    path("homes/<int:home_id>/hand-over/", group_views.hand_over, name="hand_over"),
    path("uncovered/", group_views.uncovered, name="uncovered"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("visits/<int:visit_id>/move/", views.move_visit, name="move_visit"),
    path("visits/<int:visit_id>/cancel/", views.cancel_visit, name="cancel_visit"),
    path("check-ins/<int:check_in_id>/", views.check_in, name="check_in"),
    # Before check-ins, a follow-up's "Done" button: now to the check-in it became.
    path(
        "follow-ups/<int:follow_up_id>/done/", views.complete_follow_up, name="complete_follow_up"
    ),
    path("applications/", views.applications, name="applications"),
    path(
        "applications/<int:application_id>/approve/",
        views.decide_application,
        {"decision": "approve"},
        name="approve_application",
    ),
    path(
        "applications/<int:application_id>/decline/",
        views.decide_application,
        {"decision": "decline"},
        name="decline_application",
    ),
    path(
        "applications/<int:application_id>/met/",
        views.record_introduction,
        name="record_introduction",
    ),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path("referrals/", views.referrals, name="referrals"),
]
