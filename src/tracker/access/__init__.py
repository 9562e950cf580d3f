"""Who may change the data: roles, accounts, sign-in limits and guarded batch actions."""
