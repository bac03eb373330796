#!/usr/bin/env node
// Entry point: the bundled CLI (see scripts/build.mjs).
import '../dist/cli/main.mjs';
