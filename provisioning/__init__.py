"""The technician's command-line tool and fleet tooling."""
