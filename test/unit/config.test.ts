import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, realtimeModel: 'gpt-realtime', gatewayTokens: [], maxSessions: 500, toolTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    expect(config.openaiApiKey).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads tokens and treats empty variables as unset', () => {
    const config = loadConfig({ GATEWAY_TOKENS: ' a, b ,,c', PORT: '' });
    expect(config.gatewayTokens).toEqual(['a', 'b', 'c']);
    expect(config.port).toBe(3000);
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: '70000', REALTIME_URL: 'http://x', LOG_LEVEL: 'loud', MAX_SESSIONS: '0', REQUEST_TIMEOUT_MS: '0' }))
      .toThrow(/VG_ERR_CONFIG|Invalid configuration[\s\S]*PORT[\s\S]*REALTIME_URL: must be a ws:\/\/ or wss:\/\/ URL[\s\S]*LOG_LEVEL[\s\S]*MAX_SESSIONS[\s\S]*REQUEST_TIMEOUT_MS/);
  });

  it('caps a call at two hours by default, takes 0 for no limit, and refuses a cap a timer cannot hold', () => {
    expect(loadConfig({}).maxCallS).toBe(7_200);
    expect(loadConfig({ MAX_CALL_S: '0' }).maxCallS).toBe(0);
    expect(() => loadConfig({ MAX_CALL_S: '99999999' })).toThrow(/MAX_CALL_S: must be at most 2147483/);
  });

  it('turns the phone edge on with a Twilio token and the public origin, and refuses one without the other', () => {
    const config = loadConfig({ TWILIO_AUTH_TOKEN: 'tok', PUBLIC_URL: 'https://gw.example.com' });
    expect(config).toMatchObject({ twilioAuthToken: 'tok', publicUrl: 'https://gw.example.com' });
    expect(() => loadConfig({ TWILIO_AUTH_TOKEN: 'tok' })).toThrow(/PUBLIC_URL: is required when TWILIO_AUTH_TOKEN is set/);
    expect(() => loadConfig({ PUBLIC_URL: 'https://gw.example.com/voice' })).toThrow(/PUBLIC_URL: must be an origin only/);
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://gw.example.com' })).toThrow(/PUBLIC_URL: must be an http/);
  });

  it('turns the SIP edge on with a webhook secret, and takes OpenAI\'s REST base URL without a trailing slash', () => {
    const config = loadConfig({ OPENAI_WEBHOOK_SECRET: 'whsec_abc', OPENAI_BASE_URL: 'http://127.0.0.1:8787/v1/' });
    expect(config).toMatchObject({ openaiWebhookSecret: 'whsec_abc', openaiBaseUrl: 'http://127.0.0.1:8787/v1' });
    expect(loadConfig({}).openaiWebhookSecret).toBeUndefined();
    expect(() => loadConfig({ OPENAI_BASE_URL: 'ws://127.0.0.1:8787/v1' })).toThrow(/OPENAI_BASE_URL: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('takes a browser session-token secret of at least 32 characters, and never echoes a bad one', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ WEBRTC_TOKEN_SECRET: secret }).webrtcTokenSecret).toBe(secret);
    expect(loadConfig({}).webrtcTokenSecret).toBeUndefined();
    let message = '';
    try {
      loadConfig({ WEBRTC_TOKEN_SECRET: 'short-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/WEBRTC_TOKEN_SECRET: must be at least 32 characters/);
    expect(message).not.toContain('short-secret');
  });

  it('keeps call records in ./data by default, in PostgreSQL with DATABASE_URL, and opens the admin API with a long enough token', () => {
    expect(loadConfig({})).toMatchObject({ records: true, dataDir: './data', recordsRetentionDays: 30 });
    expect(loadConfig({}).adminToken).toBeUndefined();
    const config = loadConfig({ RECORDS: 'off', DATA_DIR: '/var/lib/vg', DATABASE_URL: 'postgres://vg@db:5432/vg', RECORDS_RETENTION_DAYS: '0', ADMIN_TOKEN: 'a'.repeat(16) });
    expect(config).toMatchObject({ records: false, dataDir: '/var/lib/vg', databaseUrl: 'postgres://vg@db:5432/vg', recordsRetentionDays: 0, adminToken: 'a'.repeat(16) });
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/vg', ADMIN_TOKEN: 'short', RECORDS_RETENTION_DAYS: '-1', RECORDS: 'maybe' }))
      .toThrow(/RECORDS[\s\S]*DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL[\s\S]*RECORDS_RETENTION_DAYS[\s\S]*ADMIN_TOKEN: must be at least 16/);
  });

  it('takes the start agent by name (AGENT) and refuses what cannot be one', () => {
    expect(loadConfig({ AGENT: 'tourGuide' }).agent).toBe('tourGuide');
    expect(loadConfig({}).agent).toBeUndefined();
    expect(() => loadConfig({ AGENT: 'tour-guide' })).toThrow('AGENT: must be an agent name (letters and digits), e.g. frontDesk');
  });

  it('shares state through Redis with REDIS_URL, and takes a fleet-wide session limit only with it', () => {
    expect(loadConfig({})).toMatchObject({ redisUrl: undefined, fleetMaxSessions: undefined, fleetTtlMs: 15_000 });
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379', FLEET_MAX_SESSIONS: '1000', FLEET_TTL_MS: '5000' }))
      .toMatchObject({ redisUrl: 'redis://redis:6379', fleetMaxSessions: 1000, fleetTtlMs: 5_000 });
    expect(() => loadConfig({ FLEET_MAX_SESSIONS: '1000' })).toThrow(/FLEET_MAX_SESSIONS: needs REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'http://redis:6379', FLEET_TTL_MS: '10' })).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL[\s\S]*FLEET_TTL_MS/);
  });

  it('runs on the Realtime API by default, on GPT-Live with VOICE_API=live, and refuses SIP on Live', () => {
    expect(loadConfig({})).toMatchObject({ voiceApi: 'realtime', liveModel: 'gpt-live-1', liveDelegationModel: 'gpt-5.1' });
    const live = loadConfig({ VOICE_API: 'live', LIVE_MODEL: 'gpt-live-1.1', LIVE_DELEGATION_MODEL: 'gpt-5-mini', LIVE_URL: 'ws://127.0.0.1:8080/v1/live/sessions' });
    expect(live).toMatchObject({ voiceApi: 'live', liveModel: 'gpt-live-1.1', liveDelegationModel: 'gpt-5-mini', liveUrl: 'ws://127.0.0.1:8080/v1/live/sessions' });
    expect(() => loadConfig({ VOICE_API: 'gpt-live' })).toThrow(/VOICE_API/);
    expect(() => loadConfig({ LIVE_URL: 'https://api.openai.com/v1/live/sessions' })).toThrow(/LIVE_URL: must be a ws:\/\/ or wss:\/\/ URL/);
    // SIP calls run on either API.
    expect(loadConfig({ VOICE_API: 'live', OPENAI_WEBHOOK_SECRET: 'whsec_abc' })).toMatchObject({ voiceApi: 'live', openaiWebhookSecret: 'whsec_abc' });
  });
});
