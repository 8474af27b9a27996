import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits; high entropy makes a plain SHA-256 a safe stored form. */
export function generateKeySecret(): string {
  return `rsv_${randomBytes(32).toString('base64url')}`;
}

export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export const SECRET_PATTERN = /^rsv_[A-Za-z0-9_-]{43}$/;
