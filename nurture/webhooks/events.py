"""The event types an endpoint can subscribe to."""

from __future__ import annotations

EVENT_TYPES = {
    "lead.created": "A lead was created (API, form, import)",
    "lead.mql": "A lead's score made it a marketing-qualified lead",
    "lead.sales_ready": "A lead became sales-ready and was handed to sales",
    "lead.unsubscribed": "A lead unsubscribed from all marketing email",
    "lead.bounced": "An email to the lead bounced permanently",
}
