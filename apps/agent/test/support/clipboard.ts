import { spawnSync } from 'node:child_process';
import x11 from 'x11';

/**
 * Copying on a real X display. `xclip` offers one target per copy (as `xclip -selection
 * clipboard [-t type]` does for a user), which covers text, images and files; an owner offering
 * several targets at once (text plus KeePassXC's password-manager hint) is a small X client
 * made here with the `x11` package, answering the selection requests as any X program does.
 */
export function xclipCopy(display: string, data: string | Buffer, target?: string) {
  const result = spawnSync('xclip', ['-selection', 'clipboard', ...(target ? ['-t', target] : [])], {
    input: data,
    env: { ...process.env, DISPLAY: display },
    // xclip forks a child that holds the selection until the next copy: no pipe may stay open to it.
    stdio: ['pipe', 'ignore', 'ignore'],
    timeout: 10_000,
  });
  if (result.status !== 0) throw new Error(`xclip failed (${result.status ?? result.signal})`);
}

export interface SelectionOwner {
  close(): Promise<void>;
}

/** Owns CLIPBOARD with these targets and their UTF-8 contents until closed (or another copy). */
export function ownClipboard(display: string, offers: Record<string, string>) {
  return new Promise<SelectionOwner>((resolve, reject) => {
    x11.createClient({ display }, (error, connection) => {
      if (error) return reject(error);
      const X = connection.client;
      X.on('error', reject);
      const names = ['CLIPBOARD', 'TARGETS', 'UTF8_STRING', ...Object.keys(offers)];
      const atoms = new Map<string, number>();
      let pending = names.length;
      for (const name of names) {
        X.InternAtom(false, name, (error, atom) => {
          if (error) return reject(error);
          atoms.set(name, atom);
          if (--pending === 0) own();
        });
      }
      const own = () => {
        const window = X.AllocID();
        X.CreateWindow(window, connection.screen[0]!.root, 0, 0, 1, 1, 0, 0, 2, 0, {});
        const byAtom = new Map(Object.keys(offers).map((name) => [atoms.get(name)!, name]));
        X.on('event', (event) => {
          if (event.name !== 'SelectionRequest') return;
          const requestor = event.requestor!;
          let property = event.property || event.target!; // obsolete clients pass None
          if (event.target === atoms.get('TARGETS')) {
            X.ChangeProperty(0, requestor, property, X.atoms.ATOM!, 32, [atoms.get('TARGETS')!, ...byAtom.keys()]);
          } else if (byAtom.has(event.target!)) {
            const name = byAtom.get(event.target!)!;
            const type = name === 'UTF8_STRING' ? atoms.get('UTF8_STRING')! : event.target!;
            X.ChangeProperty(0, requestor, property, type, 8, Buffer.from(offers[name]!, 'utf8'));
          } else {
            property = 0; // refused
          }
          X.SendEvent(requestor, false, 0, {
            name: 'SelectionNotify',
            time: event.time,
            requestor,
            selection: event.selection,
            target: event.target,
            property,
          });
        });
        X.SetSelectionOwner(window, atoms.get('CLIPBOARD')!, 0);
        resolve({ close: () => new Promise<void>((done) => X.close(() => done())) });
      };
    });
  });
}
