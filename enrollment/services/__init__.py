"""Writes of the enrollment app, one function per use case (see each module)."""

from .contact_email import contact_email_resend, contact_email_verify
from .details import enrollment_update_legal_details
from .direct_bill import (
    enrollment_approve_transition,
    enrollment_purchase_support_plan,
    enrollment_record_credit_check,
    enrollment_request_transition,
    enrollment_transition_complete_if_done,
    transition_customers_waiting_count,
)
from .documents import case_submit_document
from .partner_ids import partner_id_add_location, partner_id_associate, partner_id_issue_global
from .review import case_approve_step, case_assign, case_reject_final, case_reject_step, case_request_document
from .submission import enrollment_submit
from .suspension import enrollment_reinstate, enrollment_suspend
from .sweeps import (
    sweep_close_unanswered_cases,
    sweep_flag_overdue_cases,
    sweep_lapse_unverified_cases,
    sweep_send_contact_reminders,
)

__all__ = [
    "case_approve_step",
    "case_assign",
    "case_reject_final",
    "case_reject_step",
    "case_request_document",
    "case_submit_document",
    "contact_email_resend",
    "contact_email_verify",
    "enrollment_approve_transition",
    "enrollment_purchase_support_plan",
    "enrollment_record_credit_check",
    "enrollment_reinstate",
    "enrollment_request_transition",
    "enrollment_submit",
    "enrollment_suspend",
    "enrollment_transition_complete_if_done",
    "enrollment_update_legal_details",
    "partner_id_add_location",
    "transition_customers_waiting_count",
    "partner_id_associate",
    "partner_id_issue_global",
    "sweep_close_unanswered_cases",
    "sweep_flag_overdue_cases",
    "sweep_lapse_unverified_cases",
    "sweep_send_contact_reminders",
]
