// docs/metrics.md: CloudWatch Embedded Metric Format lines on stdout instead of a scraper.
import { runListeners } from 'sqs-fargate-listener';

await runListeners({ metrics: 'emf' }); // or METRICS=emf
await runListeners({ metrics: 'emf', emf: { namespace: 'Orders', interval: 30 } });
