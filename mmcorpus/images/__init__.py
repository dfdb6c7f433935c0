"""Image bytes: decoding under caps, the KOSMOS-1 image rules, and joining images to documents."""
