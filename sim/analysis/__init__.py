"""Model-agnostic analysis tools that work on plain numpy arrays and vectorised callables.

``prim`` finds input regions where an outcome is frequent (scenario discovery);
``sensitivity`` wraps SALib's Sobol' and Morris methods behind typed functions.
"""
