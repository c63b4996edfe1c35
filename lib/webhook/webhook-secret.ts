/**
 * The signing secret's format, as Standard Webhooks libraries generate it: `whsec_` + base64 of at least
 * 24 bytes. Checked here once, for the settings loader and the forwarder alike (this module carries no
 * dependency, so the callback's bundle can use the settings without the webhook library).
 */
export const WEBHOOK_SECRET_RULE = 'whsec_ followed by base64 of at least 24 bytes';

/** The signing key, or undefined when `secret` is not of the format. */
export function webhookSigningKey(secret: string): Buffer | undefined {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const key = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  return key.length >= 24 ? key : undefined;
}
