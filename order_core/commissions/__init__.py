"""The incentive ledger: commission, rebate and credit programs with tiers, accruals, clawbacks, statements."""
