export type InvocationOutcome = 'ok' | 'error' | 'timeout' | 'memory' | 'killed';

export class PluginInvocationError extends Error {
  constructor(
    readonly outcome: Exclude<InvocationOutcome, 'ok'>,
    message: string,
  ) {
    super(message);
    this.name = 'PluginInvocationError';
  }
}

/** The isolate was gone before this invocation started: nothing ran, it can go elsewhere. */
export class SandboxGone extends PluginInvocationError {
  constructor(reason: string) {
    super('killed', `The plugin's isolate was stopped (${reason}).`);
    this.name = 'SandboxGone';
  }
}

/** A call the host refuses or fails: its code and message go back to plugin code. */
export class HostCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostCallError';
  }
}
