'use strict';
// The action's main step (runs.main): bootstrap, then the run step. See lib.js.
process.exitCode = require('./lib').main();
