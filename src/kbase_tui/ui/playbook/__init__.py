"""The head of sales' playbook on screen: contact standards, second responsible persons, lost clients' TOP, activation."""
