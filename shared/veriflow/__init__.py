"""Veriflow: the package every Veriflow Lambda function imports."""
