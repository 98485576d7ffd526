"""Roles: recommend a role from a hiring need, the guided walkthrough, the hiring brief."""
