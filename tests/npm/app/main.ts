// A scratch app as a front-end team writes one: the plugin installed from its npm tarball,
// imported, type-checked with `tsc --strict` and bundled with esbuild (tests/npm_package.rs).
import { load, type BusPromise, type Message } from 'webchatservice-wasm';

declare global {
  interface Window {
    appResult?: string;
  }
}

window._genesys = { widgets: { webchat: { dataURL: location.origin + '/genesys/2/chat/customer-support', userData: { app: 'scratch' } } } };

function settled<T>(p: BusPromise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    p.done(resolve).fail((why) => reject(new Error(typeof why === 'string' ? why : JSON.stringify(why))));
  });
}

function until(check: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) return resolve();
      if (Date.now() - start > 15000) return reject(new Error('timed out waiting for ' + what));
      setTimeout(tick, 50);
    };
    tick();
  });
}

async function main(): Promise<void> {
  await load();
  const bus = window.CXBus;
  if (!bus) throw new Error('no CXBus on the page');
  const ui = bus.registerPlugin('ScratchApp');
  if (!ui) throw new Error('ScratchApp is taken');
  const shown: Message[] = [];
  ui.subscribe('WebChatService.messageReceived', (e) => {
    shown.push(...e.data.messages);
  });
  // The types catch what the plugin would reject.
  // @ts-expect-error sendMessage needs { message: string }
  void ui.command('WebChatService.sendMessage', { text: 'wrong key' });
  // @ts-expect-error there is no such event
  ui.subscribe('WebChatService.messageRecieved', () => undefined);
  const started = await settled(ui.command('WebChatService.startChat', { nickname: 'Sam', userData: { plan: 'gold' } }));
  if (typeof started !== 'object') throw new Error('startChat resolved with ' + String(started));
  await until(() => shown.some((m) => (m.text || '').includes('Hello Sam')), "the agent's greeting");
  await settled(ui.command('WebChatService.sendMessage', { message: 'from a bundle' }));
  await until(() => shown.some((m) => m.text === 'You said: from a bundle'), "the agent's answer");
  const verify = await settled(ui.command('WebChatService.verifySession'));
  if (!verify.sessionActive) throw new Error('verifySession says no session');
  await settled(ui.command('WebChatService.endChat'));
  window.appResult = 'ok';
}

main().catch((e: unknown) => {
  window.appResult = 'error: ' + (e instanceof Error ? e.message : String(e));
});
