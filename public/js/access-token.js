// The access token a deployment gives the page, as `#token=<token>` on its link. A fragment is
// never sent to a server, so the token stays out of access logs and Referer headers; it is taken
// off the address bar (and so out of history) at once and held in memory only: a reload needs a
// fresh link, which suits a short-lived session token.

/** Reads and removes `token` from the page's fragment; undefined when there is none. */
export function takeAccessToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token === null) return undefined;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return token || undefined;
}
