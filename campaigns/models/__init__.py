"""The sequence engine's tables: definitions and versions, enrollments, the send ledger."""

from campaigns.models.enrollment import Enrollment, EnrollmentState
from campaigns.models.send import Send, SendState
from campaigns.models.send_reservation import SendReservation
from campaigns.models.sequence import ReenrollPolicy, Sequence, SequenceKind, SequenceStatus, SequenceVersion

__all__ = [
    "Enrollment",
    "EnrollmentState",
    "ReenrollPolicy",
    "Send",
    "SendReservation",
    "SendState",
    "Sequence",
    "SequenceKind",
    "SequenceStatus",
    "SequenceVersion",
]
