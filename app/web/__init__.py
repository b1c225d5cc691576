"""Web layer: the only package that imports Flask. Blueprints stay thin."""
