"""The road to work in the admin (the foundation's registration; the admin helper builds it out)."""

from django.contrib import admin

from .models import Employer, Placement, PlacementCheckIn, StaffFigures

admin.site.register(Employer)
admin.site.register(Placement)
admin.site.register(PlacementCheckIn)
admin.site.register(StaffFigures)
