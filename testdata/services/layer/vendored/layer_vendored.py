VENDORED = "vendored in the layer"
