"""Public capture forms: their definitions and the submission use case."""
