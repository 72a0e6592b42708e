"""What the partner-side customer pages share: the page size, and who may sell."""

from __future__ import annotations

from enrollment.selectors import selling_program
from partnerhub.accounts.decorators import Eligibility, partner_required, permission_required

__all__ = ["PAGE_SIZE", "SELLER", "partner_required", "permission_required"]

PAGE_SIZE = 25

# An active provider or direct-bill partner (the program is kept as `request.selling_program`); resellers are
# told to ask their provider.
SELLER = Eligibility(check=selling_program, template="customers/not_seller.html", attribute="selling_program")
