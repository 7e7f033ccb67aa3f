"""Client for the government services: signed requests, verified responses, typed errors."""
