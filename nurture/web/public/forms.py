"""Public form capture: POST /f/<form_key> (to be built)."""
