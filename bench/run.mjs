// Placeholder: the benchmark runner is not written yet.
console.log('TODO: benchmarks (bench/run.mjs is a placeholder)')
