"""Physical model of the ASP1 plant (pure step functions); the API is in ``model.py``."""
