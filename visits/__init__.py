"""Station visits (taps on the public station page and counting devices' batches), the service
circle (who has an operational station within reach) and where the next station should go."""
