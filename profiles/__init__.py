"""Shipped head-importance profiles, installed as the package `hawkcli.shipped_profiles`."""
