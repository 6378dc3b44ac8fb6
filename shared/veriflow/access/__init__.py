"""Who is calling, and what they may do: roles, `resource:action` permissions, one dependency."""
