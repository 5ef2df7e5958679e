"""The only Flask code: app factory, blueprints, auth."""
