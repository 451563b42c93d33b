"""The vendor's staff directory: who works for the vendor, in which roles, at which e-mail address."""
