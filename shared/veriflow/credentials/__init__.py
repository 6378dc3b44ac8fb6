"""Credentials checks the domains share: the lockout that sign-in (auth) and the password
re-checks of signed-in routes (users) count toward together. Above `audit`, which it writes to,
and below the domains, so neither of them imports the other."""
