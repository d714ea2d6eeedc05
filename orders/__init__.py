"""Orders and customers from the order system, behind the OrderProvider port."""
