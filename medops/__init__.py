"""MedOps: sales and service analytics for medical-device companies."""
