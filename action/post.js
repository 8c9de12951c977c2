'use strict';
// The action's post step (runs.post, post-if: always()): undo when cleanup applies. See lib.js.
process.exitCode = require('./lib').post();
