"""The contact history's integration API: telephony and website events under /api/v1/crm/."""
