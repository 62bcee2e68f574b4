export { handler as subscriber } from './subscriber.ts';
