#!/usr/bin/env node
// The CLI entry: the agent is TypeScript run through tsx (as the hub is), so there is no
// build step between a checkout and a working agent.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
