// The microphone page in real Chromium: a fake microphone plays a speech WAV, the page calls the
// gateway over WebRTC, and everything asserted is read from what the page measured and rendered.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VgError } from '../../src/errors.ts';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-server.ts';
import { FakeSessions, SPEECH_RMS, waitFor, type FakeSession } from '../helpers/fake-session.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { mintSessionToken, TEST_TOKEN_SECRET } from '../helpers/session-token.ts';
import { speechWav } from '../helpers/speech.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/**
 * Every run shoots the live page; the committed copy in docs/ is rewritten only on request
 * (UPDATE_SCREENSHOT=1 npm test), so a plain test run leaves the tree clean.
 */
const SCREENSHOT = new URL(process.env.UPDATE_SCREENSHOT ? '../../docs/browser-client.png' : '../../.tmp/browser-client.png', import.meta.url);
const DEMO_SCRIPT = fileURLToPath(new URL('../../agents/front-desk.script.json', import.meta.url));

/** What `window.voiceGateway` holds (public/app.js). */
interface PageStatus {
  connectionState: string;
  sessionId: string;
  agent: string;
  state: string;
  mode: string;
  muted: boolean;
  inputDevice: string;
  transcript: { role: string; text: string; final: boolean; itemId: string; agent: string; cut: boolean }[];
  /** What the transcript shows: a bubble per turn (`who`: "You" or the agent), or a handoff marker. */
  bubbles: ({ who: string; text: string; cut: boolean } | { marker: string })[];
  /** The values the conversation collected, as the page shows them. */
  slots: Record<string, unknown>;
  toolCalls: { started: number; finished: number; failed: number };
  micRms: number;
  remoteRms: number;
  remoteRmsPeak: number;
  notice: string;
}

declare global {
  interface Window {
    voiceGateway: PageStatus;
    cspViolations?: string[];
  }
}

const status = (page: Page): Promise<PageStatus> => page.evaluate(() => ({ ...window.voiceGateway }));
async function until(page: Page, check: (s: PageStatus) => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const current = await status(page);
    if (check(current)) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; page status: ${JSON.stringify(current)}`);
    await page.waitForTimeout(50);
  }
}

/** A page that records every Content-Security-Policy violation it reports (see `cspViolations`). */
async function newCspPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.cspViolations ??= []).push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  return page;
}
const cspViolations = (page: Page): Promise<string[]> => page.evaluate(() => window.cspViolations ?? []);

/** Microphone chunks the session received in the last `ms`. */
const recentMic = (session: FakeSession, ms: number) => {
  const now = session.mic.at(-1)?.atMs ?? 0;
  return session.mic.filter((c) => c.atMs > now - ms);
};

/** Headless Chromium whose microphone plays `wav` (looped). */
function launch(wav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

describe('browser client (Chromium)', () => {
  let dir: string;
  let browser: Browser;
  let server: BrowserTestServer;
  let page: Page;
  const fakes = new FakeSessions();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vg-browser-'));
    const wav = join(dir, 'mic.wav');
    writeFileSync(wav, await speechWav('Hello, my name is Ada Lovelace and I would like a tour.', { rate: 48_000, leadingSilenceMs: 1_000, trailingSilenceMs: 300 }));
    server = await startBrowserTestServer(fakes.start);
    browser = await launch(wav);
    page = await newCspPage(browser);
    const response = await page.goto(server.url);
    // The page runs under the gateway's CSP; each test checks that nothing was blocked.
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects, plays the agent audio and shows transcript, state, graph and tool calls', async () => {
    await expect(page.title()).resolves.toBe('voice-gateway');
    await page.getByRole('button', { name: 'Connect' }).click();
    await until(page, (s) => s.connectionState === 'connected', 'the call to connect');
    const session = fakes.latest();

    // The fake echoes the caller's speech as agent audio: it must be audible in the page.
    await until(page, (s) => s.remoteRmsPeak > 0.02, 'agent audio in the page', 10_000);
    await until(page, (s) => s.transcript.length >= 3 && s.toolCalls.finished === 1, 'the first turn');
    const seen = await status(page);
    expect(seen.sessionId).toBe(session.id);
    expect(seen.transcript.map((l) => [l.role, l.text, l.final])).toEqual([
      ['assistant', 'Welcome to the front desk. How can I help you today?', true],
      ['user', 'My name is Ada Lovelace.', true],
      ['assistant', 'Thank you, Ada. You are verified.', true],
    ]);
    expect(seen.toolCalls).toEqual({ started: 1, finished: 1, failed: 0 });
    expect(seen).toMatchObject({ agent: 'frontDesk', state: '2_verify', mode: 'vad' });
    expect(session.mic.some((c) => c.rms > SPEECH_RMS)).toBe(true);

    await expect(page.locator('#agent').textContent()).resolves.toBe('frontDesk');
    await expect(page.locator('#state').textContent()).resolves.toBe('2_verify');
    await expect(page.locator('.node.current text').textContent()).resolves.toBe('2_verify');
    await expect(page.locator('.node').count()).resolves.toBe(4); // 3 states + the tourGuide handoff
    await expect(page.locator('.tool.ok .tool-status').textContent()).resolves.toMatch(/done · 150 ms/);
    await expect(page.locator('.line.user .body').textContent()).resolves.toBe('My name is Ada Lovelace.');
    // Agent bubbles carry the agent's name; the turn after the tool call is a bubble of its own.
    expect((await status(page)).bubbles).toEqual([
      { who: 'frontDesk', text: 'Welcome to the front desk. How can I help you today?', cut: false },
      { who: 'You', text: 'My name is Ada Lovelace.', cut: false },
      { who: 'frontDesk', text: 'Thank you, Ada. You are verified.', cut: false },
    ]);

    // The page's own meter hears the fake microphone too.
    await until(page, (s) => s.micRms > 0.05 && s.remoteRms > 0.02, 'both level meters moving', 5_000);
    expect(await cspViolations(page)).toEqual([]);
  });

  it('sends push-to-talk from the held button and the held Space bar', async () => {
    const session = fakes.latest();
    await page.getByLabel('Push-to-talk').check();
    await until(page, (s) => s.mode === 'ptt', 'the gateway to confirm push-to-talk');
    const ptt = page.getByRole('button', { name: 'Hold to talk' });
    await expect(ptt.isEnabled()).resolves.toBe(true);

    await ptt.hover();
    await page.mouse.down();
    await waitFor(() => session.controls.some((c) => c.type === 'ptt.start'), 2_000, 'ptt.start from the button');
    await expect(ptt.getAttribute('aria-pressed')).resolves.toBe('true');
    await page.waitForTimeout(200);
    await page.mouse.up();
    await waitFor(() => session.controls.some((c) => c.type === 'ptt.stop'), 2_000, 'ptt.stop from the button');

    await page.locator('#transcript-title').click(); // focus away from any button
    await page.keyboard.down('Space');
    await page.waitForTimeout(200);
    await page.keyboard.down('Space'); // auto-repeat must not start a second press
    await page.keyboard.up('Space');
    await waitFor(() => session.controls.filter((c) => c.type === 'ptt.stop').length === 2, 2_000, 'ptt.stop from Space');
    expect(session.controls.map((c) => c.type)).toEqual(['mode', 'ptt.start', 'ptt.stop', 'ptt.start', 'ptt.stop']);

    await page.getByLabel('Hands-free').check();
    await until(page, (s) => s.mode === 'vad', 'hands-free again');
    await expect(ptt.isDisabled()).resolves.toBe(true);
  });

  it('mutes the microphone: the gateway hears silence until unmuted', async () => {
    const session = fakes.latest();
    const mute = page.getByRole('button', { name: 'Mute' });
    await mute.click();
    await expect(page.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')).resolves.toBe('true');
    expect((await status(page)).muted).toBe(true);
    // Longer than the WAV's silent stretch (1.3 s), so the file's own pauses cannot pass for muting.
    await page.waitForTimeout(1_900);
    expect(recentMic(session, 1_600).filter((c) => c.rms > SPEECH_RMS)).toHaveLength(0);

    await page.getByRole('button', { name: 'Unmute' }).click();
    await page.waitForTimeout(1_900);
    expect(recentMic(session, 1_600).filter((c) => c.rms > SPEECH_RMS).length).toBeGreaterThan(10);
  });

  it('says so while the agent\'s connection is restored, and clears that once it is', async () => {
    const session = fakes.latest();
    session.edge.send({ type: 'backend.reconnecting' });
    await until(page, (s) => /connection dropped/.test(s.notice), 'the reconnecting notice');
    session.edge.send({ type: 'backend.restored' });
    await until(page, (s) => s.notice === '', 'the notice to clear');
  });

  it('switches the microphone mid-call without a new session, then hangs up', async () => {
    const session = fakes.latest();
    const sessionsBefore = fakes.sessions.length;
    await page.getByLabel('Microphone', { exact: true }).selectOption({ label: 'Fake Audio Input 1' });
    await until(page, (s) => s.inputDevice === 'Fake Audio Input 1', 'the new microphone');
    expect((await status(page)).sessionId).toBe(session.id);
    expect(fakes.sessions.length).toBe(sessionsBefore);
    const heardBefore = session.mic.length;
    await page.waitForTimeout(500);
    expect(session.mic.length).toBeGreaterThan(heardBefore + 20);

    await page.getByRole('button', { name: 'Hang up' }).click();
    await until(page, (s) => s.connectionState === 'closed', 'the call to end');
    await waitFor(() => session.endedWith !== undefined, 3_000, 'the session to end');
    expect(session.endedWith).toBe('hangup');
    await expect(page.getByRole('button', { name: 'Connect' }).isEnabled()).resolves.toBe(true);
    expect(fakes.live).toBe(0);
    expect(await cspViolations(page)).toEqual([]);
  });

  it('explains a denied microphone, a refused call and a session the gateway ended', async () => {
    const denied = await browser.newPage();
    await denied.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await denied.goto(server.url);
    await denied.getByRole('button', { name: 'Connect' }).click();
    await until(denied, (s) => s.connectionState === 'failed', 'the denied microphone');
    await expect(denied.getByRole('alert').textContent()).resolves.toMatch(/Microphone access was denied/);
    await denied.close();

    const refused = await browser.newPage();
    await refused.route('**/v1/webrtc', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'VG_ERR_SESSION_LIMIT', message: 'Too many sessions' } }) }),
    );
    await refused.goto(server.url);
    await refused.getByRole('button', { name: 'Connect' }).click();
    await until(refused, (s) => s.connectionState === 'failed', 'the refused call');
    await expect(refused.getByRole('alert').textContent()).resolves.toMatch(/refused the call \(HTTP 503\): Too many sessions/);
    await refused.close();

    const ended = await browser.newPage();
    await ended.goto(server.url);
    await ended.getByRole('button', { name: 'Connect' }).click();
    await until(ended, (s) => s.connectionState === 'connected' && s.sessionId !== '', 'a call to end');
    fakes.latest().edge.close('backend_closed');
    await until(ended, (s) => s.connectionState === 'closed', 'the gateway to end the call');
    await expect(ended.getByRole('alert').textContent()).resolves.toMatch(/session ended \(backend_closed\)/);
    await ended.close();
  });

  it('explains a call whose session could not open once connected', async () => {
    const failures = [
      { refusal: new Error('backend down'), shown: /could not start \(backend_unavailable\): the gateway could not reach the voice service/ },
      { refusal: new VgError('VG_ERR_SESSION_LIMIT'), shown: /could not start \(session_limit\): the gateway has no free line/ },
    ];
    for (const { refusal, shown } of failures) {
      const failing = await startBrowserTestServer(() => Promise.reject(refusal));
      const failed = await browser.newPage();
      try {
        await failed.goto(failing.url);
        await failed.getByRole('button', { name: 'Connect' }).click();
        await until(failed, (s) => s.connectionState === 'failed', 'the session to fail to open');
        await expect(failed.getByRole('alert').textContent()).resolves.toMatch(shown);
        await expect(failed.getByRole('button', { name: 'Connect' }).isEnabled()).resolves.toBe(true);
      } finally {
        await failed.close();
        await failing.close();
      }
    }
  });

  it('calls with the token from the page link, keeps it out of the address bar, and hangs up with the call key', async () => {
    const guarded = await startBrowserTestServer(fakes.start, { sessionTokenSecret: TEST_TOKEN_SECRET });
    const without = await browser.newPage();
    const linked = await browser.newPage();
    try {
      await without.goto(guarded.url);
      await without.getByRole('button', { name: 'Connect' }).click();
      await until(without, (s) => s.connectionState === 'failed', 'the offer without a token to be refused');
      await expect(without.getByRole('alert').textContent()).resolves.toMatch(/needs an access token \(HTTP 401\): open this page from the link/);

      await linked.goto(`${guarded.url}/#token=${mintSessionToken()}`);
      expect(linked.url()).toBe(`${guarded.url}/`);
      await linked.getByRole('button', { name: 'Connect' }).click();
      await until(linked, (s) => s.connectionState === 'connected' && s.sessionId !== '', 'the call with the link\'s token');
      const session = fakes.latest();
      expect((await status(linked)).sessionId).toBe(session.id);
      await linked.getByRole('button', { name: 'Hang up' }).click();
      await waitFor(() => session.endedWith !== undefined, 3_000, 'the session to end');
      expect(session.endedWith).toBe('hangup');
    } finally {
      await without.close();
      await linked.close();
      await guarded.close();
    }
  });

  // The same flow on either voice API: the page cannot tell which one runs underneath.
  it.each(['realtime', 'live'] as const)('walks the demo flow on %s with the real session core and the emulator, by voice and push-to-talk', async (api) => {
    const gateway = await startTestGateway({ script: DEMO_SCRIPT, timing: { audioPace: 4 }, api });
    const real = await startBrowserTestServer(gateway.app.sessions.start);
    // A caller who says one sentence, then stays quiet for 8 s (Chromium loops the file), so the
    // scripted answers are not barged in on by the next loop.
    const wav = join(dir, 'caller.wav');
    writeFileSync(wav, await speechWav('My first name is Jane.', { rate: 48_000, leadingSilenceMs: 1_000, trailingSilenceMs: 8_000 }));
    const callerBrowser = await launch(wav);
    const demo = await newCspPage(callerBrowser);
    /** Holds the button from before the caller speaks until just after the sentence ends. */
    const pressWhileSpeaking = async () => {
      const ptt = demo.getByRole('button', { name: 'Hold to talk' });
      await until(demo, (s) => s.micRms < 0.01, 'a quiet microphone', 12_000);
      await ptt.hover();
      await demo.mouse.down();
      await until(demo, (s) => s.micRms > 0.05, 'the caller to speak', 12_000);
      await until(demo, (s) => s.micRms < 0.01, 'the caller to finish', 8_000);
      await demo.waitForTimeout(300);
      await demo.mouse.up();
    };
    try {
      await demo.goto(real.url);
      await demo.getByRole('button', { name: 'Connect' }).click();
      // Muted at once, so the fake microphone's looping sentence does not barge in on the greeting.
      await demo.getByRole('button', { name: 'Mute' }).click();
      await until(demo, (s) => s.transcript.some((l) => l.role === 'assistant' && l.final && /front desk/.test(l.text)), 'the scripted greeting', 20_000);
      await until(demo, (s) => s.remoteRmsPeak > 0.02, 'the greeting audio, measured in the page');
      // The backend is the API asked for: only GPT-Live's socket opens with session.start.
      expect(gateway.tap.clientEvents('session.start')).toHaveLength(api === 'live' ? 1 : 0);

      // Hands-free: unmuted, the microphone's sentence is the caller's turn (server VAD on real audio).
      await demo.getByRole('button', { name: 'Unmute' }).click();
      await until(demo, (s) => s.transcript.some((l) => l.role === 'user' && l.final), 'the caller\'s first turn', 15_000);
      await demo.getByRole('button', { name: 'Mute' }).click();
      await until(demo, (s) => s.state === '3_get_last_name', 'the first name to move the state on');
      // GPT-Live's agent line is final only after its silence, which can come after the move.
      await until(demo, (s) => s.transcript.some((l) => l.role === 'assistant' && l.final && /J-A-N-E/.test(l.text)), 'the agent to spell the name back');
      let seen = await status(demo);
      expect(seen.transcript.find((l) => l.role === 'user' && l.final)?.text).toBe('My first name is Jane, J-A-N-E.');

      // Push-to-talk: held across one loop of the microphone's sentence, released to answer.
      await demo.getByLabel('Push-to-talk').check();
      await until(demo, (s) => s.mode === 'ptt', 'push-to-talk mode');
      await demo.getByRole('button', { name: 'Unmute' }).click();
      await pressWhileSpeaking();
      await until(demo, (s) => s.agent === 'tourGuide', 'verification and the transfer to the tour guide', 20_000);
      await until(demo, (s) => s.transcript.some((l) => l.role === 'assistant' && l.final && /tour guide/i.test(l.text) && /overview/.test(l.text)), 'the tour guide speaking', 20_000);
      seen = await status(demo);
      expect(seen.transcript.filter((l) => l.role === 'user' && l.final).map((l) => l.text)).toEqual([
        'My first name is Jane, J-A-N-E.', 'Doe. D-O-E.',
      ]);
      expect(seen.state).toBe('1_welcome');
      expect(seen.toolCalls.failed).toBe(0);
      await expect(demo.locator('.tool.ok', { hasText: 'authenticateUser' }).count()).resolves.toBe(1);
      await expect(demo.locator('.node.current text').textContent()).resolves.toBe('1_welcome');
      // What the front desk collected, carried over the handoff, beside the graph.
      expect(seen.slots).toEqual({ first_name: 'Jane', last_name: 'Doe', member_id: 'M-1001' });
      await expect(demo.locator('#slots dt').allTextContents()).resolves.toEqual(['first_name', 'last_name', 'member_id']);
      await expect(demo.locator('#slots dd').allTextContents()).resolves.toEqual(['Jane', 'Doe', 'M-1001']);
      // The transcript: one bubble per turn, named for its agent, and the handoff marked between them.
      const bubbles = seen.bubbles;
      expect(bubbles.filter((b) => 'marker' in b)).toEqual([{ marker: '→ tourGuide' }]);
      const speakers = bubbles.map((b) => ('marker' in b ? '→' : b.who));
      expect(speakers.filter((who, i) => who !== 'You' && who !== '→' && speakers[i - 1] === who)).toEqual([]);
      expect(new Set(speakers)).toEqual(new Set(['frontDesk', 'You', '→', 'tourGuide']));
      expect(speakers.indexOf('tourGuide')).toBeGreaterThan(speakers.indexOf('→'));
      expect(speakers.lastIndexOf('frontDesk')).toBeLessThan(speakers.indexOf('→'));
      // The newest tool result is in view, not cut off below the list.
      const tools = await demo.locator('#tools').evaluate((list) => ({ top: list.scrollTop, height: list.clientHeight, content: list.scrollHeight }));
      expect(tools.top + tools.height).toBeGreaterThanOrEqual(tools.content - 1);
      expect(await cspViolations(demo)).toEqual([]);

      // The README's picture: the real product mid-call, on the default API.
      if (api === 'realtime') {
        mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
        await demo.screenshot({ path: fileURLToPath(SCREENSHOT) });
      }
      await demo.getByRole('button', { name: 'Hang up' }).click();
      await waitFor(() => gateway.app.sessions.size === 0, 3_000, 'the real session to end');
      // The panel no longer shows the ended call's agent, state and mode.
      await until(demo, (s) => s.connectionState === 'closed', 'the call to end in the page');
      for (const id of ['#agent', '#state', '#mode']) await expect(demo.locator(id).textContent()).resolves.toBe('–');
    } finally {
      await callerBrowser.close();
      await real.close();
      await gateway.close();
    }
  }, 90_000);
});
