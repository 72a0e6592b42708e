"""ProgramEnrollment's allowed moves live on the model (the VerificationCase pattern): move_to refuses the rest."""

import pytest

from enrollment.models import EnrollmentError, ProgramEnrollment

Status = ProgramEnrollment.Status


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.EMAIL_PENDING, Status.PENDING_QUALIFICATION, True),
        (Status.PENDING_QUALIFICATION, Status.QUALIFIED, True),
        (Status.QUALIFIED, Status.ACTIVE, True),
        (Status.SUSPENDED, Status.ACTIVE, True),
        (Status.EMAIL_PENDING, Status.ACTIVE, False),
        (Status.ACTION_NEEDED, Status.QUALIFIED, False),
        (Status.REJECTED, Status.ACTIVE, False),
        (Status.TRANSITIONED, Status.QUALIFIED, False),
    ],
)
def test_an_enrolment_moves_only_as_its_transitions_allow(current, target, allowed):
    enrollment = ProgramEnrollment(status=current)

    if allowed:
        enrollment.move_to(target)
        assert enrollment.status == target
    else:
        with pytest.raises(EnrollmentError) as refused:
            enrollment.move_to(target)
        assert (refused.value.code, enrollment.status) == ("illegal_transition", current)


def test_every_status_names_its_moves():
    assert set(ProgramEnrollment.TRANSITIONS) == set(Status)
    assert all(not ProgramEnrollment.TRANSITIONS[status] for status in ProgramEnrollment.CLOSED_STATUSES)
