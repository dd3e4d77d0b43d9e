// @ts-check
// Small CloudFormation helpers shared by the template generators in infra/ (loaded by osls through
// `${file(...)}` in serverless.yml, so CommonJS and no TypeScript).
'use strict';

/** `checkIdentity` → `CheckIdentity`, the way osls names a function's resources. */
const upperFirst = (name) => name.charAt(0).toUpperCase() + name.slice(1);

/** Logical ids osls gives a function's own resources. */
const lambdaLogicalId = (fn) => `${upperFirst(fn)}LambdaFunction`;
const logGroupLogicalId = (fn) => `${upperFirst(fn)}LogGroup`;

const ref = (id) => ({ Ref: id });
const getAtt = (id, attribute) => ({ 'Fn::GetAtt': [id, attribute] });

/** `arn:<partition>:<service>:<region>:<account>:<resource…>`, region and account of the stack. */
const arn = (service, ...resource) => ({
  'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:${service}:`, ref('AWS::Region'), ':', ref('AWS::AccountId'), ':', ...resource]],
});

module.exports = { upperFirst, lambdaLogicalId, logGroupLogicalId, ref, getAtt, arn };
