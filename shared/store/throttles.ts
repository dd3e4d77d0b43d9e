import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { keys, ttlAt } from './keys.js';
import { admitEvent, type SlidingWindow } from './sliding-window.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Per source IP: 30 sends per hour (SPEC §4), exact sliding window on the IP's own item. */
export const IP_SEND_WINDOW: SlidingWindow = { prefix: 'ip', limit: 30, windowMs: 3_600_000 };

/** Transaction element: admit one send from this (hashed) IP, or fail its condition. */
export function ipSendItem(table: string, ipHash: string, nowMs: number): TransactItem {
  const w = admitEvent(IP_SEND_WINDOW, nowMs);
  return {
    Update: {
      TableName: table,
      Key: keys.sourceIp(ipHash),
      UpdateExpression: `SET ${[...w.set, '#ttl = :ipTtl'].join(', ')}`,
      ConditionExpression: w.condition,
      ExpressionAttributeNames: { ...w.names, '#ttl': 'ttl' },
      ExpressionAttributeValues: { ...w.values, ':ipTtl': ttlAt(nowMs + IP_SEND_WINDOW.windowMs) },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Transaction element: mark a CAPTCHA pass as used; fails if its jti was used before. */
export function captchaUseItem(table: string, jti: string, expiresAtMs: number, nowMs: number): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { ...keys.captcha(jti), usedAt: nowMs, ttl: ttlAt(Math.max(expiresAtMs, nowMs) + 60_000) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Transaction element: this request's audit record, written with the state change it reports. */
export function auditPutItem(table: string, item: Record<string, unknown>): TransactItem {
  return { Put: { TableName: table, Item: item } };
}
