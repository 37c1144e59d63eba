"""Claim verification: claim -> retrieve -> sentence windows -> stance -> verdict."""
