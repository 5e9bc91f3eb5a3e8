"""The mathematics views: function lab, initialisation, gradient descent, the backprop stepper and the bias
demo. Their numbers come from `designer.maths` (Qt-free); these modules only draw and take input.
`install.install_maths(window)` adds them to the main window."""
