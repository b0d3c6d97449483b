"""Tests of the Powerwall Gateway integration, its gateway client and the simulator."""
