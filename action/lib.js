'use strict';
// pip-tls-setup's GitHub Action, the JavaScript side: no npm dependencies, only Node's own modules.
//
// main: find a Python (never the Windows Store stub), bring the tool in with entrypoint/bootstrap.py
//       (hash-pinned, verification on; a venv keyed by the lock in the runner's tool cache), then run
//       `python -m pip_tls_setup.platforms.action run`.
// post: `python -m pip_tls_setup.platforms.action post` (undo, when cleanup applies).
//
// Inputs reach the Python side only through the environment (INPUT_* -> PTS_* and PIP_TLS_SETUP_CA*),
// never through a command line or a script text. Every line printed here is escaped like
// pip_tls_setup.escape does: nothing in it can start a workflow command.

const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');

const ACTION_ROOT = path.resolve(__dirname, '..');
const BOOTSTRAP = path.join(ACTION_ROOT, 'entrypoint', 'bootstrap.py');
const TOOL_SOURCE = path.join(ACTION_ROOT, 'src');
const COMMAND_STARTS = ['::', '##[', 'section_start:', 'section_end:'];
const WINDOWS_STORE_STUB = /[\\/]microsoft[\\/]windowsapps[\\/]/i;
// The inputs the Python side reads, under the variable names the GitLab component uses too.
const RUN_INPUTS = ['ca-file', 'targets', 'mode', 'scan', 'scan-paths', 'system-store', 'verify', 'cleanup',
  'sarif-file'];
const PROG = 'pip-tls-setup';

function input(name, env = process.env) {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
}

function inputVariable(name) {
  return `PTS_${name.toUpperCase().replace(/-/g, '_')}`;
}

function isBidi(code) {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) ||
    code === 0x200e || code === 0x200f || code === 0x061c;
}

// One printable line: control characters, bidi overrides and lone surrogates escaped (escape.text).
function printable(text) {
  let out = '';
  for (const char of String(text)) {
    const code = char.codePointAt(0);
    const named = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }[char];
    if (named) {
      out += named;
    } else if (code < 0x20 || (code >= 0x7f && code < 0xa0) || isBidi(code) || (code >= 0xd800 && code <= 0xdfff)) {
      out += code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += char;
    }
  }
  return out;
}

// A block of human text: each line printable; one that would start a log command gets a visible prefix.
function neutralLines(block) {
  return String(block).split('\n').map((line) => {
    const safe = printable(line.replace(/\r$/, ''));
    return COMMAND_STARTS.some((start) => safe.trimStart().startsWith(start)) ? `> ${safe}` : safe;
  }).join('\n');
}

function workflowData(value) {
  return String(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function workflowProperty(value) {
  return workflowData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function say(message, stream = process.stdout) {
  stream.write(`${neutralLines(message)}\n`);
}

function annotate(level, message, title = PROG, stream = process.stdout) {
  stream.write(`::${level} title=${workflowProperty(printable(title))}::${workflowData(printable(message))}\n`);
}

function isWindows(platform = process.platform) {
  return platform === 'win32';
}

// python3 (then python) on PATH, skipping the Windows Store's app execution alias (it opens the Store).
function findPython(env = process.env, platform = process.platform, exists = fs.existsSync) {
  const chosen = input('bootstrap-python', env);
  if (chosen) {
    if (WINDOWS_STORE_STUB.test(chosen)) {
      throw new Error(`input bootstrap-python: ${chosen} is the Windows Store stub, not Python; ` +
        'add actions/setup-python before this step, or give the path of a real python.exe');
    }
    return chosen;
  }
  const separator = isWindows(platform) ? ';' : ':';
  const names = isWindows(platform) ? ['python3.exe', 'python.exe'] : ['python3', 'python'];
  const dirs = (env.PATH || env.Path || '').split(separator).filter((dir) => dir && !WINDOWS_STORE_STUB.test(`${dir}\\`));
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (exists(candidate)) {
        return candidate;
      }
    }
  }
  throw new Error('no python3 on PATH (the Windows Store stub does not count); add actions/setup-python before ' +
    'this step, or set input bootstrap-python');
}

function listInput(name, env) {
  return input(name, env).split(/[\n,]+/).map((item) => item.trim()).filter(Boolean);
}

// The environment of the child processes: no INPUT_* (the CA text lives on as PIP_TLS_SETUP_CA only).
function childEnv(env, extra) {
  const out = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('INPUT_')) {
      out[name] = value;
    }
  }
  return Object.assign(out, extra);
}

function caEnv(env) {
  const values = {};
  if (input('ca', env)) {
    values.PIP_TLS_SETUP_CA = env.INPUT_CA;
  }
  if (input('ca-fingerprints', env)) {
    values.PIP_TLS_SETUP_CA_FINGERPRINTS = input('ca-fingerprints', env);
  }
  return values;
}

function bootstrapArgs(env) {
  const cache = env.RUNNER_TOOL_CACHE || env.RUNNER_TEMP || require('os').tmpdir();
  const args = [BOOTSTRAP, 'install', '--venv-cache', path.join(cache, PROG), '--tool-source', TOOL_SOURCE];
  if (input('index-url', env)) {
    args.push('--index-url', input('index-url', env));
  }
  for (const directory of listInput('find-links', env)) {
    args.push('--find-links', directory);
  }
  for (const file of listInput('ca-file', env)) {
    args.push('--ca-file', file);
  }
  return args;
}

function runEnv(env, toolPath) {
  const values = caEnv(env);
  for (const name of RUN_INPUTS) {
    values[inputVariable(name)] = input(name, env);
  }
  values.PTS_TOOL_PATH = toolPath;
  return childEnv(env, values);
}

function toolPython(toolPath, platform = process.platform) {
  return path.join(path.dirname(toolPath), isWindows(platform) ? 'python.exe' : 'python');
}

function seconds(start) {
  return (Number(process.hrtime.bigint() - start) / 1e9).toFixed(2);
}

function main(env = process.env) {
  const started = process.hrtime.bigint();
  let python;
  try {
    python = findPython(env);
  } catch (error) {
    annotate('error', error.message);
    return 2;
  }
  const boot = childProcess.spawnSync(python, bootstrapArgs(env), {
    env: childEnv(env, caEnv(env)),
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (boot.error || boot.status !== 0) {
    if (boot.error) {
      annotate('error', `${python} could not be started (${boot.error.code || boot.error.message})`);
    }
    return boot.status || 1; // the bootstrap's own one-line error is already in the log
  }
  const toolPath = boot.stdout.trim().split('\n').pop().trim();
  const bootstrapSeconds = seconds(started);
  const runStarted = process.hrtime.bigint();
  const run = childProcess.spawnSync(toolPython(toolPath), ['-m', 'pip_tls_setup.platforms.action', 'run'], {
    env: runEnv(env, toolPath),
    stdio: 'inherit',
  });
  say(`${PROG}: bootstrap ${bootstrapSeconds} s, run ${seconds(runStarted)} s`);
  if (run.error) {
    annotate('error', `the tool could not be started (${run.error.code || run.error.message})`);
    return 1;
  }
  return run.status === null ? 1 : run.status;
}

function post(env = process.env) {
  const python = env.STATE_pts_python;
  if (!python) {
    say(`${PROG}: no cleanup (the main step set nothing up)`);
    return 0;
  }
  const done = childProcess.spawnSync(python, ['-m', 'pip_tls_setup.platforms.action', 'post'], {
    env: childEnv(env, {}),
    stdio: 'inherit',
  });
  if (done.error) {
    annotate('error', `cleanup could not start ${python} (${done.error.code || done.error.message})`);
    return 1;
  }
  return done.status === null ? 1 : done.status;
}

module.exports = { bootstrapArgs, childEnv, findPython, main, neutralLines, post, printable, runEnv, toolPython };
