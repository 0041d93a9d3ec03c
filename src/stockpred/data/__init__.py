"""Price data: providers and files in, validated PriceFrames out."""
