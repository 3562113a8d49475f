VENDORED = "vendored in .requirements.zip"
