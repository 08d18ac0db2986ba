"""alignment: career-and-technical-education (CTE) labor-market alignment.

Join program-of-study enrollment with regional industry-cluster employment and
flag the pathways that do not match local demand or do not lead to
family-supporting wages.
"""

__version__ = "0.1.0"
