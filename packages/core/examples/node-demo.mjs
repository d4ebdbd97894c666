// Placeholder demo: imports the built package and lists what it exports.
import * as leakscope from 'leakscope'

console.log(`leakscope on Node ${process.version} exports:`, Object.keys(leakscope).sort())
