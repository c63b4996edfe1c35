import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FallbackPlace } from '../core/failed-push-recovery';

/** SQS takes messages up to 256 KiB; base64 of gzip leaves pages of roughly 2 MB of JSON. */
const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * The AWS second durable place for failed-push pages (serverless.aws.yml `RecoveryFallbackQueue`,
 * 14 days, alarmed): used only when the recovery journal in DynamoDB cannot take a page within the
 * run's time budget. SQS does not depend on DynamoDB. The next run moves its messages into the
 * journal before asking DingTalk for anything.
 */
export class SqsFallbackPlace implements FallbackPlace {
  readonly name = 'the recovery fallback queue';

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  static create(queueUrl: string, region: string): SqsFallbackPlace {
    return new SqsFallbackPlace(new SQSClient({ region, maxAttempts: 5 }), queueUrl);
  }

  async keep(raw: string): Promise<void> {
    const body = gzipSync(Buffer.from(raw, 'utf8')).toString('base64');
    if (body.length > MAX_MESSAGE_BYTES) {
      throw new Error(`page of ${body.length} compressed bytes exceeds an SQS message`);
    }
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body }));
  }

  async take(): Promise<Array<{ raw: string; ack: () => Promise<void> }>> {
    const taken: Array<{ raw: string; ack: () => Promise<void> }> = [];
    for (;;) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: 10,
          // Long enough to journal them all before another run could see them again.
          VisibilityTimeout: 300,
          WaitTimeSeconds: 0,
        }),
      );
      for (const message of Messages) {
        const receipt = message.ReceiptHandle!;
        taken.push({
          raw: gunzipSync(Buffer.from(message.Body ?? '', 'base64')).toString('utf8'),
          ack: async () => {
            await this.client.send(
              new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt }),
            );
          },
        });
      }
      if (Messages.length === 0) return taken;
    }
  }
}
