import { serveEcho } from './echo-server.ts';

/** The plain echo backend (bench/kiosk.ts, bench/twilio.ts): see serveEcho. */
serveEcho('echo');
