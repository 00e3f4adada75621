"""Catalogue consistency: how alike a batch's outputs are in fill, baseline and white point."""
