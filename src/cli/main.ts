#!/usr/bin/env node
import { buildProgram } from './program.js';
import { reportError } from './output.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.exitCode = reportError(error);
  });
