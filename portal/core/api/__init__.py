"""What every REST endpoint shares: one error shape and its OpenAPI description."""
