import type { DynamoDBDocumentClient, QueryCommandInput, ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/**
 * The one paging loop over DynamoDB (LastEvaluatedKey → ExclusiveStartKey): every item a Query or Scan
 * returns, page by page. With `limit`, each page asks only for what is still wanted and the walk stops
 * once `limit` items came back; a caller that stops iterating early reads no further page.
 */
export async function* queryItems(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
  limit?: number,
): AsyncGenerator<Item> {
  yield* paged(limit, async (startKey, pageLimit) => {
    const page = await client.send(
      new QueryCommand({ ...input, ExclusiveStartKey: startKey, Limit: pageLimit }),
    );
    return { items: page.Items ?? [], next: page.LastEvaluatedKey };
  });
}

export async function* scanItems(
  client: DynamoDBDocumentClient,
  input: Omit<ScanCommandInput, 'ExclusiveStartKey' | 'Limit'>,
): AsyncGenerator<Item> {
  yield* paged(undefined, async (startKey) => {
    const page = await client.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }));
    return { items: page.Items ?? [], next: page.LastEvaluatedKey };
  });
}

async function* paged(
  limit: number | undefined,
  fetchPage: (
    startKey: Item | undefined,
    pageLimit: number | undefined,
  ) => Promise<{ items: Item[]; next: Item | undefined }>,
): AsyncGenerator<Item> {
  let yielded = 0;
  let startKey: Item | undefined;
  do {
    const page = await fetchPage(startKey, limit === undefined ? undefined : limit - yielded);
    for (const item of page.items) {
      yield item;
      yielded++;
    }
    startKey = page.next;
  } while (startKey !== undefined && (limit === undefined || yielded < limit));
}
