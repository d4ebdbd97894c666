// MAIN-world shim (in progress)
export {}
