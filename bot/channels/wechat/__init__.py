"""The WeChat Official Account channel: the endpoint WeChat posts to, and the customer-service API."""
