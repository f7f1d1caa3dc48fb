"""A test-only app: stand-ins for records later domains attach to clients.

Installed by ``carnet.settings_test`` only, so that rules which depend on documents or
payments (the delete refusal) are tested against a real foreign key today.
"""
