SINGLE = "vendored single-file module"
