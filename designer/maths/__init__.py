"""The numbers behind the mathematics views (function lab, initialisation, backprop stepper, gradient descent,
the bias demo). Plain NumPy on the engine's own functions: nothing here re-implements an activation, a loss,
an initializer or an optimizer, so what the views draw is what training computes. Never imports Qt."""
