"""Admin pages (server-rendered Jinja in templates/web/)."""

from nurture.web.admin.auth_pages import bp as auth_bp
from nurture.web.admin.leads import bp as leads_bp

blueprints = [auth_bp, leads_bp]
