'use strict';

const { buildSchema } = require('graphql');

const schema = buildSchema(`
  type Query {
    hello(name: String): String
    fail: String
  }

  type Subscription {
    count(to: Int!): Int!
    greetings: String!
  }
`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const query = schema.getQueryType().getFields();
query.hello.resolve = (_root, { name }) => `Hello, ${name || 'world'}!`;
query.fail.resolve = () => {
  throw new Error('failed on purpose');
};

const subscription = schema.getSubscriptionType().getFields();
subscription.count.subscribe = async function* count(_root, { to }) {
  for (let n = 1; n <= to; n++) {
    if (n > 1) await sleep(50);
    yield n;
  }
};
subscription.count.resolve = (n) => n;
subscription.greetings.subscribe = async function* greetings() {
  for (const word of ['hi', 'hola', 'salut']) yield word;
};
subscription.greetings.resolve = (word) => word;

module.exports = { schema };
