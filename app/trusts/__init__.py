"""Trusts and their profiles: supervision defaults and which Word form each document kind uses."""
