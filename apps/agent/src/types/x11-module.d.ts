/**
 * The small part of the `x11` package (a pure JavaScript X11 client, no native code) the agent
 * uses: one connection, the XFIXES extension's selection-owner notifications, and, in the tests,
 * owning a selection and answering requests for it.
 */
declare module 'x11' {
  export interface XEvent {
    name: string;
    type: number;
    /** XFIXES SelectionNotify: 0 SetSelectionOwner, 1 SelectionWindowDestroy, 2 SelectionClientClose. */
    subtype?: number;
    owner?: number;
    selection?: number;
    requestor?: number;
    target?: number;
    property?: number;
    time?: number;
  }

  export interface XFixes {
    SelectionEventMask: { SetSelectionOwner: number; SelectionWindowDestroy: number; SelectionClientClose: number };
    SelectSelectionInput(window: number, selection: number, eventMask: number): void;
  }

  export interface XClient {
    atoms: Record<string, number>;
    AllocID(): number;
    InternAtom(onlyIfExists: boolean, name: string, callback: (error: Error | null, atom: number) => void): void;
    CreateWindow(
      wid: number,
      parent: number,
      x: number,
      y: number,
      width: number,
      height: number,
      borderWidth?: number,
      depth?: number,
      windowClass?: number,
      visual?: number,
      values?: Record<string, unknown>,
    ): void;
    ChangeProperty(
      mode: number,
      wid: number,
      name: number,
      type: number,
      format: number,
      data: Buffer | number[],
    ): void;
    SetSelectionOwner(owner: number, selection: number, time?: number): void;
    SendEvent(
      destination: number,
      propagate: boolean | number,
      eventMask: number,
      event: Record<string, unknown>,
    ): void;
    require(extension: 'fixes', callback: (error: Error | null, extension: XFixes) => void): void;
    on(event: 'event', listener: (event: XEvent) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'end', listener: () => void): this;
    close(callback?: () => void): void;
    terminate(): void;
  }

  export interface XDisplayConnection {
    client: XClient;
    screen: Array<{ root: number }>;
  }

  export function createClient(
    options: { display?: string },
    callback: (error: Error | null, display: XDisplayConnection) => void,
  ): XClient;

  const x11: { createClient: typeof createClient };
  export default x11;
}
