"""Delivery of stored notes from the outbox: inbox, team e-mail, signed webhook."""

from bot.delivery.channels import configured_channels, sign
from bot.delivery.outbox import requeue_failed
from bot.delivery.worker import DeliveryReport, deliver_due, run_worker

__all__ = ["DeliveryReport", "configured_channels", "deliver_due", "requeue_failed", "run_worker",
           "sign"]
