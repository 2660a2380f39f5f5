"""Exact engine: regions, conditions, box volumes and Gaussian measures of perceptrons and tiny nets."""

from .arrangement import (PerceptronRegions, check_enumerable, measure_orbits, perceptron_regions,
                          region_count)

__all__ = ["PerceptronRegions", "check_enumerable", "measure_orbits", "perceptron_regions", "region_count"]
