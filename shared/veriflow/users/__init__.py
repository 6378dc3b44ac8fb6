"""People: accounts, profiles, platform roles."""
