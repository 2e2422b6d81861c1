"""Access: accounts, password hashing and sign-in, the session check of every read and write,
what an actor may read (``scope``) and the audit trail each write leaves (``audit_trail``)."""
