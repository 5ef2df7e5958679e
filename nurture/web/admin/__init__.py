"""Admin pages (server-rendered Jinja in templates/web/), one blueprint a feature."""

from nurture.web.admin.auth_pages import bp as auth_bp
from nurture.web.admin.forms import bp as forms_bp
from nurture.web.admin.imports import bp as imports_bp
from nurture.web.admin.inbound import bp as inbound_bp
from nurture.web.admin.leads import bp as leads_bp
from nurture.web.admin.outbox import bp as outbox_bp
from nurture.web.admin.users import bp as users_bp

blueprints = [auth_bp, leads_bp, users_bp, imports_bp, forms_bp, outbox_bp, inbound_bp]
