"""Core building blocks: settings, database, errors, HTTP app factory, observability, AWS clients."""
