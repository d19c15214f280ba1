import { type LeasedMessage, runListeners, sqsListener } from 'sqs-fargate-listener';

// TC39 decorators (TypeScript 5+, no experimentalDecorators): static methods register like the
// Python sqs-fargate-listener's @sqs_listener.
// biome-ignore lint/complexity/noStaticOnlyClass: decorators need a class; this is the point of the example.
export class Billing {
  @sqsListener({ queueUrl: process.env.INVOICES_QUEUE_URL, mode: 'per_message' })
  static async invoice(message: LeasedMessage): Promise<void> {
    console.log('invoicing', message.json);
  }
}

await runListeners();
