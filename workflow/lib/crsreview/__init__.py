"""Shared logic of the paper build: validation, cleaning, ledger, figures, tables, manuscript.

Rule scripts in workflow/scripts/ only wire Snakemake paths to functions defined here.
"""
