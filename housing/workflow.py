"""The workflow of a housing contract: a sublet becomes a first-hand contract (see
``workflow.engine``). The step itself is ``housing.actions.record_employment_service_registration``.
"""

from django.utils.translation import gettext_lazy as _

from workflow.engine import SYSTEM, Transition, Workflow

from .models import Contract, ContractTransition

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
