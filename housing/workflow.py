"""The workflows of the housing company's records, each declared in one table (see
``workflow.engine``); the steps are in ``housing.actions``.

A contract: a sublet becomes a first-hand contract
(``housing.actions.record_employment_service_registration``).

A vacancy: recorded as let through the normal queue or, under the quota, offered to the
integration unit (``record_vacancy``); an offer is then accepted when a household moves in
(``open_sublet``) or declined by the integration unit (``decline_offer``).
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import SYSTEM, Transition, Workflow

from .models import Contract, ContractTransition, Vacancy, VacancyTransition

CONTRACT_WORKFLOW = Workflow(
    name="contract",
    model=Contract,
    log_model=ContractTransition,
    log_fk="contract",
    states=Contract.Kind,
    initial=Contract.Kind.SUBLET,
    status_field="kind",
    transitions=[
        Transition(
            "convert",
            _("Becomes a first-hand contract"),
            (Contract.Kind.SUBLET,),
            Contract.Kind.FIRST_HAND,
            frozenset({SYSTEM}),
            reason_required=True,
        )
    ],
)

VACANCY_WORKFLOW = Workflow(
    name="vacancy",
    model=Vacancy,
    log_model=VacancyTransition,
    log_fk="vacancy",
    states=Vacancy.Status,
    initial=Vacancy.Status.LET_NORMALLY,
    also_initial=(Vacancy.Status.OFFERED,),
    changed_field=None,
    transitions=[
        Transition(
            "accept",
            _("Accepted: a household moves in"),
            (Vacancy.Status.OFFERED,),
            Vacancy.Status.ACCEPTED,
            frozenset({SYSTEM}),
        ),
        Transition(
            "decline",
            _("Decline the offer"),
            (Vacancy.Status.OFFERED,),
            Vacancy.Status.DECLINED,
            frozenset({roles.PARTNER_COORDINATOR}),
            reason_required=True,
        ),
    ],
)
