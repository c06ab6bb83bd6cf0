// The tests' phone is the conversation tests' simulated Twilio call.
export { parseStreamTwiml, postVoiceWebhook, twilioSignature, TwilioPhone as TwilioCaller, type DialOptions, type GatewayMessage } from '../../src/converse/twilio-phone.ts';
