// A fresh table per test file, so files can run in parallel against one DynamoDB Local.
import { randomUUID } from 'node:crypto';
import { createTable } from '../../dev/table.js';

export async function createTestTable(endpoint: string): Promise<string> {
  const tableName = `verigate-test-${randomUUID().slice(0, 8)}`;
  await createTable({ endpoint, tableName });
  return tableName;
}
