"""Exact P(f) of step-activation networks on the Boolean cube, composed from perceptron measures.

* :mod:`~pfmap.geometry.step_networks.units`: the unit perceptrons, hidden codes and push-forwards;
* :mod:`~pfmap.geometry.step_networks.composition`: the polynomial composition (one hidden layer, exact);
* :mod:`~pfmap.geometry.step_networks.numeric`: the same sums on numbers, for deeper nets;
* :mod:`~pfmap.geometry.step_networks.table`: the measure and the volume table.
"""

from pfmap.geometry.step_networks.table import (StepNetworkMeasure, check_step_network, step_network_cases,
                                                step_network_measure, step_network_table)

__all__ = ["StepNetworkMeasure", "check_step_network", "step_network_cases", "step_network_measure",
           "step_network_table"]
