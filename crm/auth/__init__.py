"""Accounts, password hashing and sign-in."""
