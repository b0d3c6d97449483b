"""Tests of the Home Assistant-free gateway client and its models."""
