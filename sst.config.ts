/// <reference path="./.sst/platform/config.d.ts" />
// Placeholder: the infrastructure (OrderTopic, OrderQueue + OrderDLQ, Orders, the subscriber)
// is declared here by the infrastructure issue.
export default $config({
  app() {
    return { name: 'orders-pipeline', home: 'aws' };
  },
  async run() {},
});
