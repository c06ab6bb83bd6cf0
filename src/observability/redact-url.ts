/** Query parameters that carry a credential (the kiosk edge accepts `?token=`), compared lower-case. */
const CREDENTIAL_PARAMS = new Set(['token']);

/** `key=value` after `?` or `&`, in a bare URL or a URL quoted inside a message. */
const QUERY_PARAM = /([?&])([^=&#?\s"]+)=([^&#?\s"]*)/g;

/**
 * The text with the value of every credential query parameter replaced by `[redacted]`. Keys are
 * compared decoded, as the query parser decodes them (`?%74oken=` is read as `token`).
 */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('=')) return text;
  return text.replace(QUERY_PARAM, (pair: string, separator: string, key: string) =>
    CREDENTIAL_PARAMS.has(decodeKey(key).toLowerCase()) ? `${separator}${key}=[redacted]` : pair);
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    return key;
  }
}
