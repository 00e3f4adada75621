"""The system of record: MongoDB documents and repositories, the coin ledger, blob storage.

Imports nothing of the other Drisya packages, so Ray workers and the API can both use it; settings are
passed in as plain values (or any object with the right attributes), never read here.
"""
