"""E-mail: the messages the platform sends and the two ways of sending them (SMTP, or .eml files in an
outbox folder when no SMTP server is configured)."""

from serve_apps.email.messages import job_finished_message, low_balance_message
from serve_apps.email.transport import MailTransport, OutboxTransport, SmtpTransport, transport_from_settings

__all__ = [
    "MailTransport",
    "OutboxTransport",
    "SmtpTransport",
    "job_finished_message",
    "low_balance_message",
    "transport_from_settings",
]
