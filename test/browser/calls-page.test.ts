// The call records page in real Chromium, under the gateway's CSP: after a real call through the
// gateway (kiosk, demo script, records in SQLite), /calls asks for the admin token and shows the
// call's transcript, its path through the state graph, its tools and its turn latency.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { createTestStore, type TestStore } from '../helpers/record-stores.ts';
import { ADMIN_TOKEN, waitForRecord } from '../helpers/records-api.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** The README's picture of the page; the committed copy is rewritten only with UPDATE_SCREENSHOT=1. */
const SCREENSHOT = new URL(process.env.UPDATE_SCREENSHOT ? '../../docs/calls-page.png' : '../../.tmp/calls-page.png', import.meta.url);

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

describe('the call records page (Chromium)', () => {
  let db: TestStore;
  let gw: TestGateway;
  let browser: Browser;
  let sessionId = '';

  beforeAll(async () => {
    db = await createTestStore('sqlite');
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', records: db.store, config: { adminToken: ADMIN_TOKEN } });
    // One real call: the demo flow by typed turns, up to the tour guide, then hung up.
    const device = await KioskClient.connect(gw.wsUrl);
    sessionId = (await device.waitFor('session.ready')).session_id;
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'My first name is Jane.' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /last name/.test(e.text));
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'Doe. D-O-E.' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /overview/.test(e.text));
    device.control({ type: 'hangup' });
    await device.waitFor('session.ended');
    await waitForRecord(gw.httpUrl, sessionId);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await db?.drop();
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window.cspViolations ??= []).push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`);
      });
    });
    const response = await page.goto(`${gw.httpUrl}/calls`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    return page;
  }

  it('asks for the token, then lists the call and shows its transcript, state path, tools and latency', async () => {
    const page = await open();
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Show calls' }).click();
    const entry = page.locator(`.calls button[data-id="${sessionId}"]`);
    await expect(entry.locator('.meta').textContent()).resolves.toMatch(/^kiosk · frontDesk → tourGuide · \d+ s$/);
    await entry.click();

    // The call's record is fetched on the click: its title is drawn with the rest of it.
    await expect.poll(() => page.locator('#call-title').textContent()).toBe(`Call ${sessionId}`);
    await expect(page.locator('#call-transcript .line.user .text').allTextContents()).resolves.toEqual(['My first name is Jane.', 'Doe. D-O-E.']);
    await expect(page.locator('#call-transcript .line.assistant .text').first().textContent()).resolves.toMatch(/front desk/i);
    const path = await page.locator('#state-path li').allTextContents();
    expect(path.map((chip) => chip.replace(/\+[\d.]+ s$/, ''))).toEqual([
      '1_greeting', '2_get_first_name', '3_get_last_name', '4_next_steps', 'tourGuide: 1_welcome',
    ]);
    // Drawn on the graphs: every state of the front desk visited in order, the handoff taken.
    const frontDesk = page.locator('.graphs figure', { hasText: 'frontDesk' });
    await expect(frontDesk.locator('.node.visited .step').allTextContents()).resolves.toEqual(['1', '2', '3', '4', '5']);
    await expect(frontDesk.locator('.edge.traversed').count()).resolves.toBe(4); // three moves and the handoff
    await expect(page.locator('.graphs figure', { hasText: 'tourGuide' }).locator('.node.current text').first().textContent()).resolves.toBe('1_welcome');
    await expect(page.locator('#call-tools .tool.ok .tool-name').allTextContents()).resolves.toEqual(['authenticateUser']);
    await expect(page.locator('#call-tools .tool-args').textContent()).resolves.toBe('{"first_name":"Jane","last_name":"Doe"}');
    await expect(page.locator('#latency-chart rect.bar').count()).resolves.toBeGreaterThanOrEqual(2);

    // The token stays in the tab's storage and out of the address bar.
    expect(page.url()).toBe(`${gw.httpUrl}/calls#call=${sessionId}`);
    await expect(page.evaluate(() => sessionStorage.getItem('voice-gateway.admin-token'))).resolves.toBe(ADMIN_TOKEN);
    await expect(page.evaluate(() => window.cspViolations ?? [])).resolves.toEqual([]);
    mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: fileURLToPath(SCREENSHOT), fullPage: true });
    await page.close();
  });

  it('says so when the token is refused, and asks again', async () => {
    const page = await open();
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Show calls' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/refused the token/);
    await expect(page.getByLabel('Admin token').isVisible()).resolves.toBe(true);
    await expect(page.locator('#records').isHidden()).resolves.toBe(true);
    await expect(page.evaluate(() => sessionStorage.getItem('voice-gateway.admin-token'))).resolves.toBeNull();
    await page.close();
  });
});
