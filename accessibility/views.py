"""The accessibility statement (tillgänglighetsredogörelse) and the form to report a problem."""

from django.shortcuts import render


def statement(request):
    return render(request, "accessibility/statement.html")


def report(request):
    return render(request, "accessibility/statement.html")
