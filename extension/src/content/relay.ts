// ISOLATED-world relay (in progress)
export {}
