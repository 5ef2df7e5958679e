"""Admin pages (server-rendered Jinja in templates/web/), one blueprint a feature."""

from nurture.web.admin.auth_pages import bp as auth_bp
from nurture.web.admin.bulk_enroll import bp as bulk_enroll_bp
from nurture.web.admin.definitions import bp as definitions_bp
from nurture.web.admin.forms import bp as forms_bp
from nurture.web.admin.hot_leads import bp as hot_leads_bp
from nurture.web.admin.imports import bp as imports_bp
from nurture.web.admin.inbound import bp as inbound_bp
from nurture.web.admin.leads import bp as leads_bp
from nurture.web.admin.mailbox import bp as mailbox_bp
from nurture.web.admin.opportunities import bp as opportunities_bp
from nurture.web.admin.outbox import bp as outbox_bp
from nurture.web.admin.qualification import bp as qualification_bp
from nurture.web.admin.queues import bp as queues_bp
from nurture.web.admin.reports import bp as reports_bp
from nurture.web.admin.routing import bp as routing_bp
from nurture.web.admin.scoring import bp as scoring_bp
from nurture.web.admin.sequences import bp as sequences_bp
from nurture.web.admin.statuses_bands import bp as statuses_bands_bp
from nurture.web.admin.stuck import bp as stuck_bp
from nurture.web.admin.tasks import bp as tasks_bp
from nurture.web.admin.today import bp as today_bp
from nurture.web.admin.users import bp as users_bp
from nurture.web.admin.webhooks import bp as webhooks_bp

blueprints = [
    auth_bp, today_bp, leads_bp, hot_leads_bp, qualification_bp, opportunities_bp, users_bp, imports_bp, forms_bp, sequences_bp,
    outbox_bp, inbound_bp, scoring_bp, routing_bp, webhooks_bp,
    bulk_enroll_bp, queues_bp,
]  # fmt: skip
from nurture.web.admin.cadence_enroll import bp as cadence_enroll_bp  # noqa: E402

blueprints.append(cadence_enroll_bp)
blueprints.append(reports_bp)
blueprints.append(definitions_bp)
blueprints += [statuses_bands_bp, stuck_bp, tasks_bp, mailbox_bp]
from nurture.web.admin.pipeline import bp as pipeline_bp  # noqa: E402

blueprints.append(pipeline_bp)
