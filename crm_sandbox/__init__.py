"""Local Salesforce- and HubSpot-compatible CRM servers for the demo, the tests and third-party tools."""
