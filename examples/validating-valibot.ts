import { perMessageListener, sqsMessages } from 'sqs-fargate-listener';
import * as v from 'valibot';

const customers = new Set(['c-1', 'c-2']); // stands in for your database
const customerExists = async (id: string) => customers.has(id);

const Signup = v.pipeAsync(
  v.object({ customerId: v.string(), email: v.pipe(v.string(), v.email()) }),
  // Async checks are awaited. An issue means "this body is wrong": dead-letter queue at once.
  // Throw only when the check could not run (database down): a throw is retried like a
  // handler's.
  v.forwardAsync(
    v.checkAsync(async (signup) => customerExists(signup.customerId), 'unknown customer'),
    ['customerId'],
  ),
);

const listener = perMessageListener(
  async (message) => {
    console.log(`welcome ${message.data.email} (${message.data.customerId})`);
  },
  { schema: Signup },
);

await listener(sqsMessages(process.env.SIGNUPS_QUEUE_URL ?? ''));
