"""Readers: each reads one kind of user file and returns the tidy table of ``docs/tables.md``.

Every reader validates what it reads and raises one :class:`alignment.errors.InputError`
listing every problem (file, row, column), and adds ``source_file`` / ``source_row``.
"""
