"""Customer pages: the partner side, the add-customer wizard, invitations and the customer side."""
