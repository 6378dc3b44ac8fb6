"""AI providers behind one interface: Amazon Bedrock (Converse) and any OpenAI-compatible endpoint,
chosen by settings, each with a timeout and one retry, falling back to the next."""
